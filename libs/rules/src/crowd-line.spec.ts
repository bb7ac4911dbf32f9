import { CameraRuleEngine } from './engine';
import { footBox, Run, T0, testCamera, type Sighting } from './testing/scene';

const square = { id: 'square', type: 'crowd_area' as const, polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] as [number, number][] };
const people = (n: number, firstId = 1): Sighting[] =>
  Array.from({ length: n }, (_, i) => ({ id: firstId + i, box: footBox(0.05 + 0.09 * i, 0.8), score: 0.5 + 0.04 * i }));

describe('crowd', () => {
  const camera = testCamera({ zones: [square], rules: [{ id: 'crowd', type: 'crowd', zone: 'square', minCount: 3, seconds: 2 }] as never });

  it('fires when the count has held `seconds`, updates as it grows, ends after it stays below minCount', () => {
    const r = new Run(new CameraRuleEngine(camera));
    r.span(T0, T0 + 2000, 500, () => people(2));
    r.span(T0 + 2000, T0 + 4000, 500, () => people(3)); // 3 from 2.0 s
    expect(r.events).toEqual([]);
    const [created] = r.at(T0 + 4000, people(3));
    expect(created).toMatchObject({ kind: 'created', rule: 'crowd', severity: 'warning', zoneId: 'square', startedAt: T0 + 2000 });
    expect(created.trackId).toBeUndefined();
    expect(created.boxes.map((b) => b.trackId)).toEqual([1, 2, 3]);
    expect(created.message).toBe("3 persons in zone 'square' (threshold 3)");
    expect(created.score).toBeCloseTo(0.54);
    r.span(T0 + 4500, T0 + 6500, 500, () => people(5));
    expect(r.of('updated')).toMatchObject([{ message: "5 persons in zone 'square' (threshold 3)" }]);
    // One frame below the threshold (a missed person is lost, not removed, and still counts anyway).
    r.at(T0 + 6500, people(2));
    r.span(T0 + 7000, T0 + 8000, 500, () => people(3));
    expect(r.of('ended')).toEqual([]);
    // Two people walk off for good: below 3 for 2 s, two frames in a row.
    r.span(T0 + 8000, T0 + 13_000, 500, () => people(2));
    const [ended] = r.of('ended');
    expect(ended).toMatchObject({ alertId: created.alertId, message: "2 persons in zone 'square', below 3" });
    expect(ended.capturedAt).toBe(T0 + 12_000); // last seen 7.5 s, removed at 10.0 s (> 2 s lost buffer), then 2 s low
  });

  it('needs the count to hold without a break of two frames, and ignores people outside the zone', () => {
    const r = new Run(new CameraRuleEngine(camera));
    const outside: Sighting[] = [{ id: 9, box: footBox(0.5, 0.3) }, { id: 10, box: footBox(0.6, 0.3) }];
    r.span(T0, T0 + 10_000, 500, () => [...people(2), ...outside]);
    expect(r.events).toEqual([]);
    // 3 for 1.5 s, dip for two frames (tracks removed in between so the count really drops), 3 again.
    const short = new Run(new CameraRuleEngine(camera), 0);
    short.span(T0, T0 + 1500, 500, () => people(3));
    short.span(T0 + 1500, T0 + 2500, 500, () => people(2));
    short.span(T0 + 2500, T0 + 4000, 500, () => people(3));
    expect(short.events).toEqual([]);
    short.at(T0 + 4500, people(3));
    expect(short.of('created')).toMatchObject([{ startedAt: T0 + 2500 }]);
    // A single low frame does not restart the count.
    const blip = new Run(new CameraRuleEngine(camera), 0);
    blip.span(T0, T0 + 1000, 500, () => people(3));
    blip.at(T0 + 1000, people(2));
    blip.span(T0 + 1500, T0 + 2500, 500, () => people(3, 10));
    expect(blip.of('created')).toMatchObject([{ startedAt: T0, capturedAt: T0 + 2000 }]);
  });
});

describe('line_cross', () => {
  const fence = { id: 'fence', name: 'Fence', points: [[0.2, 0.5], [0.8, 0.5]] as [[number, number], [number, number]] };
  const cam = (direction: string) =>
    testCamera({ lines: [fence], rules: [{ id: 'trip', type: 'line_cross', line: 'fence', direction }] as never });
  // Walking down the picture crosses a left→right line from its left (upper) side to its right side.
  const walk = (r: Run, id: number, from: number, to: number, x = 0.5, t0 = T0) => {
    for (let k = 0; k <= 4; k++) r.at(t0 + k * 500, [{ id, box: footBox(x, from + ((to - from) * k) / 4) }]);
  };

  it('alerts in the watched direction only', () => {
    const down = new Run(new CameraRuleEngine(cam('left_to_right')));
    walk(down, 1, 0.3, 0.7);
    expect(down.of('created')).toMatchObject([
      { rule: 'line_cross', lineId: 'fence', trackId: 1, severity: 'warning', message: "person crossed line 'Fence' left to right", startedAt: T0 + 1500 },
    ]);
    const up = new Run(new CameraRuleEngine(cam('left_to_right')));
    walk(up, 1, 0.7, 0.3);
    expect(up.events).toEqual([]);
    const rtl = new Run(new CameraRuleEngine(cam('right_to_left')));
    walk(rtl, 1, 0.7, 0.3);
    expect(rtl.of('created')).toHaveLength(1);
  });

  it('ignores movements that pass beside the segment and updates the same alert on each further crossing', () => {
    const beside = new Run(new CameraRuleEngine(cam('both')));
    walk(beside, 1, 0.3, 0.7, 0.9);
    expect(beside.events).toEqual([]);
    const r = new Run(new CameraRuleEngine(cam('both')));
    walk(r, 1, 0.3, 0.7);
    walk(r, 1, 0.7, 0.3, 0.5, T0 + 2500);
    expect(r.of('created')).toHaveLength(1);
    expect(r.of('updated')).toMatchObject([{ message: "person crossed line 'Fence' right to left" }]);
    r.span(T0 + 5000, T0 + 8000, 500);
    expect(r.of('ended')).toHaveLength(1);
  });
});

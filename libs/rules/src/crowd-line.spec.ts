import { CameraRuleEngine } from './engine';
import { footBox, Run, T0, testCamera, type Sighting } from './testing/scene';

const square = { id: 'square', type: 'crowd_area' as const, polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] as [number, number][] };
const people = (n: number, firstId = 1): Sighting[] =>
  Array.from({ length: n }, (_, i) => ({ id: firstId + i, box: footBox(0.05 + 0.09 * i, 0.8), score: 0.5 + 0.04 * i }));

describe('crowd', () => {
  const camera = testCamera({ zones: [square], rules: [{ id: 'crowd', type: 'crowd', zone: 'square', minCount: 3, seconds: 2 }] as never });

  it('fires when the count has held for 3/4 of `seconds`, updates as it grows, ends after it stays below minCount', () => {
    const r = new Run(new CameraRuleEngine(camera));
    r.span(T0, T0 + 2000, 500, () => people(2));
    r.span(T0 + 2000, T0 + 3500, 500, () => people(3)); // 3 from 2.0 s
    expect(r.events).toEqual([]);
    expect(r.engine.isHot()).toBe(true); // the window is timing
    const [created] = r.at(T0 + 3500, people(3)); // 1.5 s of the last 2 s
    expect(created).toMatchObject({ kind: 'created', rule: 'crowd', severity: 'warning', zoneId: 'square', startedAt: T0 + 2000 });
    expect(created.trackId).toBeUndefined();
    expect(created.boxes.map((b) => b.trackId)).toEqual([1, 2, 3]);
    expect(created.message).toBe("3 persons in zone 'square' (threshold 3)");
    expect(created.score).toBeCloseTo(0.54);
    r.span(T0 + 4000, T0 + 6500, 500, () => people(5));
    expect(r.of('updated')).toMatchObject([{ message: "5 persons in zone 'square' (threshold 3)" }]);
    // One frame below the threshold does not end it.
    r.at(T0 + 6500, people(2));
    r.span(T0 + 7000, T0 + 8000, 500, () => people(3));
    expect(r.of('ended')).toEqual([]);
    // Two people walk off for good at 8.0 s: a member missed in one frame still counts (matched in the
    // previous one), so below 3 from 8.5 s, for 1.5 s of the last 2 s.
    r.span(T0 + 8000, T0 + 10_000, 500, () => people(2));
    expect(r.of('ended')).toEqual([]);
    const [ended] = r.at(T0 + 10_000, people(2));
    expect(ended).toMatchObject({ kind: 'ended', alertId: created.alertId, message: "2 persons in zone 'square', below 3" });
    expect(r.engine.isHot()).toBe(false);
  });

  it('counts a lost track for one missed frame only, and not when a new track continues it: a person the tracker lost and found again under a new id is one person', () => {
    // Two people, the tracker swapping one of them to a new id every second: the lost ids linger
    // (lost buffer 2 s) but the count stays 2.
    const r = new Run(new CameraRuleEngine(camera));
    r.span(T0, T0 + 10_000, 500, (t) => [...people(1), { id: 100 + Math.floor((t - T0) / 1000), box: footBox(0.5, 0.8) }]);
    expect(r.events).toEqual([]);
    // Missed in one frame (1.0 s) it still counts, from the second (1.5 s) not; counted again once it is seen.
    const back = new Run(new CameraRuleEngine(camera));
    back.span(T0, T0 + 1000, 500, () => people(3));
    back.span(T0 + 1000, T0 + 2500, 500, () => people(2)); // person 3 lost
    back.span(T0 + 2500, T0 + 4000, 500, () => people(3)); // and back
    expect(back.of('created')).toHaveLength(0);
    expect(back.at(T0 + 4000, people(3))).toMatchObject([{ kind: 'created', startedAt: T0 + 2500 }]);
  });

  it('tolerates misses adding up to 1/4 of the window, wherever they fall; spurious counts do not carry it', () => {
    // 4 fps: someone hidden for three frames (below 3 for 0.5 s: the first missed frame still counts
    // them) does not restart the timing.
    const blip = new Run(new CameraRuleEngine(camera));
    blip.span(T0, T0 + 2500, 250, (t) => (t >= T0 + 1000 && t < T0 + 1750 ? people(2) : people(3)));
    expect(blip.of('created')).toMatchObject([{ startedAt: T0, capturedAt: T0 + 2000 }]);
    // Hidden for four frames (below 3 for 0.75 s): no 2-s window holds 3/4 until the one that starts after the gap.
    const long = new Run(new CameraRuleEngine(camera));
    long.span(T0, T0 + 4000, 250, (t) => (t >= T0 + 1000 && t < T0 + 2000 ? people(2) : people(3)));
    expect(long.of('created')).toMatchObject([{ startedAt: T0 + 2000, capturedAt: T0 + 3500 }]);
    // A false third person in one frame of three never makes a crowd.
    const ghost = new Run(new CameraRuleEngine(camera));
    ghost.span(T0, T0 + 20_000, 250, (t) => ((t - T0) % 750 === 0 ? people(3) : people(2)));
    expect(ghost.events).toEqual([]);
  });

  it('counts a box lying mostly inside a better box of the same person as part of it, not a second person', () => {
    // Measured on the crowd clip: a whole person at 0.72 and a legs-and-torso box at 0.40 beside it.
    const whole = { id: 7, box: [0.3, 0.4, 0.37, 0.84], score: 0.72 } as Sighting;
    const part = { id: 8, box: [0.29, 0.45, 0.34, 0.82], score: 0.4 } as Sighting;
    const r = new Run(new CameraRuleEngine(camera));
    r.span(T0, T0 + 5000, 250, () => [...people(1), whole, part]);
    expect(r.events).toEqual([]);
    // Two people standing close overlap less: both count.
    const neighbour = { id: 9, box: [0.33, 0.42, 0.41, 0.86], score: 0.6 } as Sighting;
    const r2 = new Run(new CameraRuleEngine(camera));
    r2.span(T0, T0 + 2250, 250, () => [...people(1), whole, neighbour]);
    expect(r2.of('created')).toMatchObject([{ message: "3 persons in zone 'square' (threshold 3)" }]);
  });

  it('weighs frames by time, needs its window covered by frames, and ignores people outside the zone', () => {
    const r = new Run(new CameraRuleEngine(camera));
    const outside: Sighting[] = [{ id: 9, box: footBox(0.5, 0.3) }, { id: 10, box: footBox(0.6, 0.3) }];
    r.span(T0, T0 + 10_000, 500, () => [...people(2), ...outside]);
    expect(r.events).toEqual([]);
    // A first frame is no history: the window starts with the camera.
    const fresh = new Run(new CameraRuleEngine(camera));
    expect(fresh.at(T0, people(3))).toEqual([]);
    expect(fresh.at(T0 + 1900, people(3))).toEqual([]);
    expect(fresh.at(T0 + 2000, people(3))).toMatchObject([{ kind: 'created', startedAt: T0 }]);
    // Uneven frames: one frame of 3 followed by a 1.8 s gap weighs 1.8 s, a burst of four low frames
    // within 0.2 s weighs 0.2 s.
    const uneven = new Run(new CameraRuleEngine(camera));
    uneven.at(T0, people(3));
    for (const dt of [1800, 1850, 1900, 1950]) uneven.at(T0 + dt, people(2));
    expect(uneven.at(T0 + 2000, people(3))).toMatchObject([{ kind: 'created', startedAt: T0 }]);
  });
  it('starts its timing afresh from a state saved before the window replaced the streak hold', () => {
    const r = new Run(new CameraRuleEngine(camera));
    r.at(T0, people(3));
    const state = r.engine.toJSON();
    state.rules.crowd.state = { membership: [], hold: { active: false, since: T0, misses: 0, goodSince: null, goodRun: 0 } };
    const restored = new Run(CameraRuleEngine.fromJSON(camera, JSON.parse(JSON.stringify(state))));
    expect(restored.span(T0 + 500, T0 + 2500, 500, () => people(3))).toEqual([]);
    expect(restored.at(T0 + 2500, people(3))).toMatchObject([{ kind: 'created', startedAt: T0 + 500 }]);
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

  it('ignores movements that pass beside the segment; a further crossing is a new alert naming the previous one', () => {
    const beside = new Run(new CameraRuleEngine(cam('both')));
    walk(beside, 1, 0.3, 0.7, 0.9);
    expect(beside.events).toEqual([]);
    const r = new Run(new CameraRuleEngine(cam('both')));
    walk(r, 1, 0.3, 0.7);
    walk(r, 1, 0.7, 0.3, 0.5, T0 + 2500);
    // Since 2026-12-03 (review rules-crowd-night, finding 1): an `updated` of an alert the operator
    // resolved is dropped by alerts-api, a `created` naming it opens a new alert (merged while unresolved).
    const [first, second] = r.of('created');
    expect(second).toMatchObject({ message: "person crossed line 'Fence' right to left", relatedAlertId: first.alertId, startedAt: T0 + 4000 });
    expect(second.alertId).not.toBe(first.alertId);
    expect(r.of('ended')).toMatchObject([{ alertId: first.alertId, message: "person crossed line 'Fence' again" }]);
    expect(r.of('updated')).toEqual([]);
    r.span(T0 + 5000, T0 + 8000, 500);
    expect(r.of('ended')).toMatchObject([{ alertId: first.alertId }, { alertId: second.alertId }]);
  });

  it('folds a crossing within 2 s of the open crossing alert into it', () => {
    const r = new Run(new CameraRuleEngine(cam('both')));
    // Over the fence and straight back: 0.4 → 0.6 (1.0 s) → 0.4 (1.5 s) → 0.6 (2.0 s) → 0.4 (3.5 s).
    const ys = [0.4, 0.4, 0.6, 0.4, 0.6, 0.6, 0.6, 0.4];
    ys.forEach((y, k) => r.at(T0 + k * 500, [{ id: 1, box: footBox(0.5, y) }]));
    expect(r.of('created').map((e) => e.capturedAt - T0)).toEqual([1000, 3500]);
    expect(r.of('created')[1].relatedAlertId).toBe(r.of('created')[0].alertId);
  });
});

// Review 2026-12-03 (rules-crowd-night), findings 2, 4 and 6: the default crowd rule (minCount 8, seconds 2).
describe('crowd (review 2026-12-03)', () => {
  const wide = { id: 'square', type: 'crowd_area' as const, polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] as [number, number][] };
  const person = (i: number): Sighting => ({ id: i + 1, box: footBox(0.06 + 0.11 * i, 0.8), score: 0.7 });
  const crowdOf = (n: number): Sighting[] => Array.from({ length: n }, (_, i) => person(i));
  const all = [0, 1, 2, 3, 4, 5, 6, 7];

  it('eight people standing in the square, each missed in one frame of eight, are a crowd of eight', () => {
    const r = new Run(new CameraRuleEngine(testCamera({ zones: [wide] })));
    // 4 fps for 20 s. Person i is missed in the frames k with k % 8 === i; each track stays (lost for
    // 0.25 s, matched again on the next frame), but every frame has one of the eight lost.
    for (let k = 0; k < 80; k++) r.at(T0 + k * 250, all.filter((i) => k % 8 !== i).map(person));
    expect(r.of('created', 'crowd')).toHaveLength(1);
  });

  it('a crowd that stays 10 minutes, two of its people hidden for 2.5 s once a minute, is one alert for the operators', () => {
    const r = new Run(new CameraRuleEngine(testCamera({ zones: [wide] }))); // cooldown 60 s
    for (let k = 0; k < 4 * 600; k++) {
      const s = (k / 4) % 70;
      const hidden = s >= 30 && s < 32.5 ? [0, 1] : [];
      r.at(T0 + k * 250, all.filter((i) => !hidden.includes(i)).map(person));
    }
    const created = r.of('created', 'crowd');
    // Either one alert, or later ones each naming the one before (alerts-api follows the chain and
    // merges an event naming an unresolved related alert into it).
    for (let i = 1; i < created.length; i++) expect(created[i].relatedAlertId).toBe(created[i - 1].alertId);
  });

  it('one crowded frame before a 30 s gap without frames and one after it are not a crowd held for 2 s', () => {
    const r = new Run(new CameraRuleEngine(testCamera({ zones: [wide] })));
    r.span(T0, T0 + 10_000, 250, () => crowdOf(6));
    r.at(T0 + 10_000, crowdOf(8)); // two extra boxes in one frame
    // 30 s without frames (a reconnect, a Redis failover): under STATE_MAX_GAP_MS, so the state continues.
    expect(r.at(T0 + 40_000, crowdOf(8))).toEqual([]);
    // Held for 2 s of frames after the gap, it is a crowd, dated from the first frame after the gap.
    r.span(T0 + 40_250, T0 + 43_000, 250, () => crowdOf(8));
    expect(r.of('created')).toMatchObject([{ startedAt: T0 + 40_000 }]);
  });
});

// Review 2026-12-03 (rules-crowd-night), findings 1 and 3.
describe('line_cross (review 2026-12-03)', () => {
  const fence = { id: 'fence', name: 'Fence', points: [[0.1, 0.5], [0.9, 0.5]] as [[number, number], [number, number]] };
  const cam = (direction: string, fps = 2) => testCamera({ fps, lines: [fence], rules: [{ id: 'trip', type: 'line_cross', line: 'fence', direction }] as never });

  it('a second crossing towards the water, minutes after the first, is a new alert', () => {
    const r = new Run(new CameraRuleEngine(cam('left_to_right')));
    // 0–2 s: climbs over the fence towards the water (down the picture); stays at the edge for 2.5 min.
    r.span(T0, T0 + 2000, 500, (t) => [{ id: 1, box: footBox(0.5, 0.4 + (0.2 * (t - T0)) / 2000) }]);
    r.span(T0 + 2000, T0 + 150_000, 500, () => [{ id: 1, box: footBox(0.5, 0.7) }]);
    // Climbs back (the operator resolves the alert), and at 300 s crosses towards the water again.
    r.span(T0 + 150_000, T0 + 300_000, 500, () => [{ id: 1, box: footBox(0.5, 0.3) }]);
    r.span(T0 + 300_000, T0 + 302_000, 500, () => [{ id: 1, box: footBox(0.5, 0.7) }]);
    const created = r.of('created', 'line_cross');
    expect(created).toHaveLength(2);
    expect(created[1].capturedAt).toBe(T0 + 300_000);
    expect(created[1].alertId).not.toBe(created[0].alertId);
    // Named after the first: alerts-api merges it into that alert while unresolved, and opens a new one once resolved.
    expect(created[1].relatedAlertId).toBe(created[0].alertId);
    expect(r.of('updated')).toEqual([]);
  });

  it('a person walking along the fence, box bottom jittering ±0.004 across it, crossed nothing', () => {
    const r = new Run(new CameraRuleEngine(cam('left_to_right')));
    for (let k = 0; k < 30; k++) r.at(T0 + k * 500, [{ id: 1, box: footBox(0.2 + 0.02 * k, k % 2 ? 0.504 : 0.496) }]);
    expect(r.of('created')).toEqual([]);
    expect(r.of('updated')).toEqual([]);
  });

  // A tripwire across a gate in a fence (the fence continues along the same line on both sides).
  const gate = { id: 'gate', name: 'Gate', points: [[0.4, 0.5], [0.6, 0.5]] as [[number, number], [number, number]] };
  const gateCamera = testCamera({ fps: 2, lines: [gate], rules: [{ id: 'trip', type: 'line_cross', line: 'gate', direction: 'left_to_right' }] as never });

  it('a person who walks along the fence (within the band) and then steps through the gate has crossed', () => {
    const r = new Run(new CameraRuleEngine(gateCamera));
    // Box height 0.3: band 0.03. Seen first away from the fence (upper side), then walking along it at
    // 0.48 (inside the band) towards the gate, then through the gate down to 0.6.
    r.at(T0, [{ id: 1, box: footBox(0.1, 0.4, 0.3) }]);
    for (let k = 1; k <= 8; k++) r.at(T0 + k * 500, [{ id: 1, box: footBox(0.1 + 0.05 * k, 0.48, 0.3) }]); // x 0.15 … 0.5
    r.at(T0 + 4500, [{ id: 1, box: footBox(0.5, 0.56, 0.3) }]);
    r.at(T0 + 5000, [{ id: 1, box: footBox(0.5, 0.6, 0.3) }]);
    // The steps from 0.48 to 0.56 at x 0.5 pass through the gate; the straight line from where the side
    // was taken (x 0.1) to the far side misses the gate (before the fix: no alert).
    expect(r.of('created', 'line_cross')).toHaveLength(1);
  });

  it('a person who walks along the fence beside the gate and back crossed nothing; one who goes round the end of the gate line neither', () => {
    const r = new Run(new CameraRuleEngine(gateCamera));
    r.at(T0, [{ id: 1, box: footBox(0.1, 0.4, 0.3) }]);
    for (let k = 1; k <= 4; k++) r.at(T0 + k * 500, [{ id: 1, box: footBox(0.1 + 0.05 * k, 0.49, 0.3) }]); // along the fence, x ≤ 0.3
    r.at(T0 + 2500, [{ id: 1, box: footBox(0.3, 0.4, 0.3) }]); // back on its side
    r.at(T0 + 3000, [{ id: 1, box: footBox(0.2, 0.6, 0.3) }]); // over the fence beside the gate: not through the gate's line
    expect(r.of('created', 'line_cross')).toEqual([]);
  });

  it('sees a crossing when the tracker loses the person at the fence and finds them again beyond it under a new id', () => {
    const r = new Run(new CameraRuleEngine(cam('left_to_right')));
    // Track 1 comes down to the fence (y 0.5) and is lost there: the fence hides the legs.
    for (let k = 0; k < 4; k++) r.at(T0 + k * 500, [{ id: 1, box: footBox(0.5, 0.3 + 0.05 * k) }]); // y 0.30 … 0.45
    r.at(T0 + 2000, []);
    // A second later the person is seen again below the fence, as track 2.
    r.at(T0 + 2500, [{ id: 2, box: footBox(0.52, 0.6) }]);
    r.at(T0 + 3000, [{ id: 2, box: footBox(0.52, 0.65) }]);
    const created = r.of('created', 'line_cross');
    expect(created).toHaveLength(1); // before: none — track 2 had no side, track 1 never crossed
    expect(created[0]).toMatchObject({ trackId: 2, message: "person crossed line 'Fence' left to right" });
  });

  it('continues a lost track only with a new one within reach, once: someone else far away, or back on the same side, crossed nothing', () => {
    const r = new Run(new CameraRuleEngine(cam('both')));
    for (let k = 0; k < 4; k++) r.at(T0 + k * 500, [{ id: 1, box: footBox(0.2, 0.3 + 0.05 * k) }]);
    r.at(T0 + 2000, []);
    // Track 2: another person far along the fence, below it; track 3: track 1 again, above the fence.
    r.at(T0 + 2500, [{ id: 2, box: footBox(0.85, 0.65) }, { id: 3, box: footBox(0.22, 0.4) }]);
    r.at(T0 + 3000, [{ id: 2, box: footBox(0.85, 0.7) }, { id: 3, box: footBox(0.22, 0.35) }]);
    expect(r.of('created', 'line_cross')).toEqual([]);
  });

  it('carries on from a tripwire state saved by the release before (track → last side anchor)', () => {
    const engine = new CameraRuleEngine(gateCamera);
    const r = new Run(engine);
    r.at(T0, [{ id: 1, box: footBox(0.5, 0.4, 0.3) }]);
    const saved = JSON.parse(JSON.stringify(engine.toJSON())) as { rules: Record<string, { state: unknown }> };
    // What a release before 2026-12-03 saved: [[trackId, anchor]].
    expect(saved.rules.trip.state).toEqual([[1, [0.5, 0.4], [0.5, 0.4], 0, 1]]);
    saved.rules.trip.state = [[1, [0.5, 0.4]]];
    const resumed = new Run(CameraRuleEngine.fromJSON(gateCamera, saved as never));
    resumed.at(T0 + 500, [{ id: 1, box: footBox(0.5, 0.6, 0.3) }]);
    expect(resumed.of('created', 'line_cross')).toHaveLength(1);
  });

  it('someone leaning on the fence for a minute sends at most one update per 2 s', () => {
    const r = new Run(new CameraRuleEngine(cam('both', 5)));
    for (let k = 0; k < 300; k++) r.at(T0 + k * 200, [{ id: 1, box: footBox(0.5, 0.5 + (k % 2 ? 0.003 : -0.003)) }]);
    expect(r.of('updated').length).toBeLessThanOrEqual(30);
    expect(r.of('created').length).toBeLessThanOrEqual(30);
  });
});

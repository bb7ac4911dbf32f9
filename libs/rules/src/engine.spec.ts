import type { CameraConfig } from '@xl/config';
import { CameraRuleEngine } from './engine';
import { footBox, Run, Scene, T0, testCamera, type Sighting } from './testing/scene';
import type { FrameQualitySample, RuleEvent } from './types';

const water = { id: 'pond', type: 'water' as const, polygon: [[0, 0.5], [0.6, 0.5], [0.6, 0.7], [0, 0.7]] as [number, number][] };
const square = { id: 'square', type: 'crowd_area' as const, polygon: [[0.6, 0.5], [1, 0.5], [1, 1], [0.6, 1]] as [number, number][] };
const fence = { id: 'fence', points: [[0, 0.45], [0.6, 0.45]] as [[number, number], [number, number]] };

/** Every rule type on one camera. */
function richCamera(): CameraConfig {
  return testCamera({
    zones: [water, square],
    lines: [fence],
    rules: [
      { id: 'enter', type: 'zone_enter', zone: 'pond', severity: 'major' },
      { id: 'dwell', type: 'dwell', zone: 'pond', seconds: 4 },
      { id: 'vanish', type: 'vanish_in_water', zone: 'pond' },
      { id: 'crowd', type: 'crowd', zone: 'square', minCount: 3, seconds: 1 },
      { id: 'fence', type: 'line_cross', line: 'fence' },
      { id: 'cov', type: 'camera_covered', seconds: 1 },
      { id: 'blur', type: 'camera_blurred', seconds: 1 },
      { id: 'frz', type: 'camera_frozen', seconds: 2 },
    ] as never,
  });
}

/** A scripted minute: someone walks over the fence into the pond and vanishes, a group gathers and leaves, the lens is covered, then frozen. */
function script(): Array<{ t: number; visible: Sighting[]; quality: FrameQualitySample }> {
  const frames = [];
  for (let k = 0; k < 150; k++) {
    const s = k / 2.5; // 2.5 fps
    const t = T0 + k * 400;
    const visible: Sighting[] = [];
    if (s < 14) visible.push({ id: 1, box: footBox(0.3, Math.min(0.62, 0.3 + 0.04 * s)), score: 0.6 + 0.02 * (k % 10) });
    if (s > 5 && s < 30) for (let i = 0; i < 4; i++) if (s > 5 + i && (k + i) % 7) visible.push({ id: 10 + i, box: footBox(0.65 + 0.08 * i, 0.9) });
    const covered = s > 35 && s < 40;
    const quality = { meanLuma: covered ? 12 : 110, sharpness: covered ? 0.8 : 8 + (k % 3), difference: s > 45 ? 0.02 : 3 };
    frames.push({ t, visible, quality });
  }
  return frames;
}

describe('CameraRuleEngine', () => {
  it('continues identically after a JSON round trip of its state at any frame', () => {
    const frames = script();
    const reference = new Run(new CameraRuleEngine(richCamera()));
    for (const f of frames) reference.at(f.t, f.visible, f.quality);
    const kinds = new Set(reference.events.map((e) => `${e.kind}:${e.rule}`));
    for (const k of ['created:zone_enter', 'created:dwell', 'created:vanish_in_water', 'created:crowd', 'ended:crowd', 'created:line_cross', 'created:camera_covered', 'ended:camera_covered', 'created:camera_frozen']) {
      expect(kinds).toContain(k);
    }
    for (const cut of [1, 20, 37, 61, 80, 95, 120]) {
      const scene = new Scene();
      let engine = new CameraRuleEngine(richCamera());
      const events: RuleEvent[] = [];
      frames.forEach((f, i) => {
        if (i === cut) engine = CameraRuleEngine.fromJSON(richCamera(), JSON.parse(JSON.stringify(engine.toJSON())));
        events.push(...engine.evaluate({ capturedAt: f.t, ...scene.frame(f.t, f.visible), quality: f.quality }));
      });
      expect(events).toEqual(reference.events);
    }
  });

  it('links vanish_in_water to the open zone_enter alert of the same track', () => {
    const r = new Run(new CameraRuleEngine(richCamera()));
    for (const f of script()) r.at(f.t, f.visible, f.quality);
    const enter = r.of('created', 'zone_enter').find((e) => e.trackId === 1);
    const vanish = r.of('created', 'vanish_in_water')[0];
    expect(vanish).toMatchObject({ trackId: 1, relatedAlertId: enter?.alertId, severity: 'critical' });
  });

  it('raises alerts only inside the schedule and ends open ones when it closes', () => {
    const camera = testCamera({
      zones: [water],
      rules: [{ id: 'night', type: 'zone_enter', zone: 'pond', schedule: [{ start: '19:00', end: '06:00' }] }] as never,
    });
    const r = new Run(new CameraRuleEngine(camera));
    const evening = Date.parse('2024-07-05T10:58:00Z'); // 18:58 in Shanghai
    const inPond = () => [{ id: 1, box: footBox(0.3, 0.6) }];
    r.span(evening, evening + 121_000, 1000, inPond);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ kind: 'created', capturedAt: Date.parse('2024-07-05T11:00:00Z'), startedAt: evening });
    const morning = Date.parse('2024-07-05T21:59:58Z'); // Sat 05:59:58
    r.span(morning, morning + 3000, 1000, inPond);
    expect(r.of('ended')).toMatchObject([{ capturedAt: Date.parse('2024-07-05T22:00:00Z'), message: "rule 'night' is outside its schedule" }]);
    expect(r.of('created')).toHaveLength(1);
  });

  it('ends alerts of rules removed from the configuration and drops state of rules whose type changed', () => {
    const r = new Run(new CameraRuleEngine(richCamera()));
    r.span(T0, T0 + 2000, 500, () => [{ id: 1, box: footBox(0.3, 0.6) }]);
    const saved = JSON.parse(JSON.stringify(r.engine.toJSON()));
    const trimmed = testCamera({ zones: [water], rules: [{ id: 'dwell', type: 'crowd', zone: 'pond', minCount: 2 }] as never });
    const engine = CameraRuleEngine.fromJSON(trimmed, saved);
    const events = engine.evaluate({ capturedAt: T0 + 2000, tracks: [], removed: [] });
    expect(events).toMatchObject([{ kind: 'ended', ruleId: 'enter', message: 'rule removed from the camera configuration or disabled' }]);
    expect(engine.toJSON().rules.dwell).toEqual({ type: 'crowd', zone: 'pond', state: expect.anything() });
  });

  it('ends the open alert of a rule whose type changed, so that the rule of the new type can raise its own', () => {
    const enter = testCamera({ zones: [water], rules: [{ id: 'pond', type: 'zone_enter', zone: 'pond' }] as never });
    const r = new Run(new CameraRuleEngine(enter));
    r.span(T0, T0 + 2000, 500, () => [{ id: 1, box: footBox(0.3, 0.6) }]);
    expect(r.of('created')).toMatchObject([{ ruleId: 'pond', rule: 'zone_enter' }]);
    const vanish = testCamera({ zones: [water], rules: [{ id: 'pond', type: 'vanish_in_water', zone: 'pond' }] as never });
    const engine = CameraRuleEngine.fromJSON(vanish, JSON.parse(JSON.stringify(r.engine.toJSON())));
    expect(engine.evaluate({ capturedAt: T0 + 2500, tracks: [], removed: [] })).toMatchObject([
      { kind: 'ended', ruleId: 'pond', rule: 'zone_enter', message: 'rule changed from zone_enter to vanish_in_water in the camera configuration' },
    ]);
  });

  it('a crowd rule pointed at another zone under the same id ends the old alert and starts the new zone afresh', () => {
    // Review 2026-12-03 (rules-crowd-night), finding 5.
    const half = (x0: number, x1: number) => [[x0, 0.5], [x1, 0.5], [x1, 1], [x0, 1]] as [number, number][];
    const zones = [{ id: 'square', type: 'crowd_area', polygon: half(0, 0.5) }, { id: 'pier', type: 'crowd_area', polygon: half(0.5, 1) }];
    const people = (n: number): Sighting[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, box: footBox(0.05 + 0.05 * i, 0.8), score: 0.7 }));
    const rule = { id: 'crowd', type: 'crowd', minCount: 3, seconds: 2 };
    const before = testCamera({ zones, rules: [{ ...rule, zone: 'square' }, { id: 'pier-off', type: 'crowd', zone: 'pier', enabled: false }] } as never);
    const r = new Run(new CameraRuleEngine(before));
    r.span(T0, T0 + 5000, 500, () => people(4));
    expect(r.of('created')).toMatchObject([{ ruleId: 'crowd', zoneId: 'square' }]);
    // The camera file / API now points rule 'crowd' at the pier.
    const after = testCamera({ zones, rules: [{ ...rule, zone: 'pier' }, { id: 'square-off', type: 'crowd', zone: 'square', enabled: false }] } as never);
    const moved = new Run(CameraRuleEngine.fromJSON(after, JSON.parse(JSON.stringify(r.engine.toJSON()))));
    moved.span(T0 + 5000, T0 + 20_000, 500, () => [...people(4), { id: 9, box: footBox(0.8, 0.8), score: 0.7 }]); // one person on the pier
    expect(moved.of('created')).toEqual([]);
    expect(moved.of('ended')).toMatchObject([{ zoneId: 'square', message: "rule moved from zone 'square' to 'pier' in the camera configuration" }]);
    expect(moved.engine.toJSON().alerts.open).toEqual([]);
  });

  it('a tripwire pointed at another line under the same id ends the old alert and forgets the old anchors', () => {
    const lines = [
      { id: 'a', points: [[0.1, 0.5], [0.9, 0.5]] },
      { id: 'b', points: [[0.1, 0.6], [0.9, 0.6]] },
    ];
    const r = new Run(new CameraRuleEngine(testCamera({ lines, rules: [{ id: 'trip', type: 'line_cross', line: 'a' }] } as never)));
    r.span(T0, T0 + 2000, 500, (t) => [{ id: 1, box: footBox(0.5, 0.4 + (0.2 * (t - T0)) / 2000) }]);
    expect(r.of('created')).toMatchObject([{ lineId: 'a' }]);
    const moved = new Run(CameraRuleEngine.fromJSON(testCamera({ lines, rules: [{ id: 'trip', type: 'line_cross', line: 'b' }] } as never), JSON.parse(JSON.stringify(r.engine.toJSON()))));
    // From just above line b (y 0.56, side taken under line a's anchors before) to below it: the first
    // anchor for line b is new, so only the step across b is a crossing of it.
    expect(moved.at(T0 + 2000, [{ id: 1, box: footBox(0.5, 0.7) }])).toMatchObject([{ kind: 'ended', lineId: 'a', message: "rule moved from line 'a' to 'b' in the camera configuration" }]);
    expect(moved.engine.toJSON().rules.trip).toMatchObject({ type: 'line_cross', line: 'b' });
  });

  it('rejects out-of-order frames, foreign or unknown state, and rules naming missing zones', () => {
    const engine = new CameraRuleEngine(richCamera());
    engine.evaluate({ capturedAt: T0, tracks: [], removed: [] });
    expect(() => engine.evaluate({ capturedAt: T0 - 1, tracks: [], removed: [] })).toThrow(/older than the previous/);
    expect(() => CameraRuleEngine.fromJSON(testCamera({ id: 'cam-2' }), engine.toJSON())).toThrow(/camera 'cam-1' given to camera 'cam-2'/);
    expect(() => CameraRuleEngine.fromJSON(richCamera(), { ...engine.toJSON(), version: 2 } as never)).toThrow(/version/);
    const broken = { ...richCamera(), rules: [{ ...richCamera().rules![0], zone: 'nowhere' }] } as CameraConfig;
    expect(() => new CameraRuleEngine(broken)).toThrow(/rule 'enter' names zone 'nowhere'/);
  });
});

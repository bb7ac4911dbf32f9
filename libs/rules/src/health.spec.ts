import { CameraRuleEngine } from './engine';
import { Run, T0, testCamera } from './testing/scene';
import type { FrameQualitySample } from './types';

const q = (meanLuma: number, sharpness = 10, difference: number | null = 5): FrameQualitySample => ({ meanLuma, sharpness, difference });
const healthCamera = (rules: unknown[]) => testCamera({ rules: rules as never });

describe('camera health', () => {
  it('camera_covered: dark and featureless for `seconds` → created; ends only once clearly bright again', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'cov', type: 'camera_covered' }])));
    r.span(T0, T0 + 5000, 250, () => [], () => q(120));
    r.span(T0 + 5000, T0 + 6500, 250, () => [], () => q(20, 1)); // 1.25 s dark and without detail
    expect(r.events).toEqual([]);
    const [created] = r.at(T0 + 6500, [], q(20, 1));
    expect(created).toMatchObject({ kind: 'created', rule: 'camera_covered', severity: 'major', startedAt: T0 + 5000, boxes: [] });
    expect(created.trackId).toBeUndefined();
    expect(created.message).toBe('camera covered or dark for 1.5 s: mean luma 20.0, sharpness 1.00 (covered at luma ≤ 40 and sharpness ≤ 3)');
    // Just above the threshold is not "recovered" (hysteresis), however long.
    r.span(T0 + 7000, T0 + 12_000, 250, () => [], () => q(45, 1));
    expect(r.of('ended')).toEqual([]);
    // Bright again: ends after min(seconds, 2 s) = 1.5 s of good frames.
    r.span(T0 + 12_000, T0 + 13_500, 250, () => [], () => q(120));
    expect(r.of('ended')).toEqual([]);
    const [ended] = r.at(T0 + 13_500, [], q(120));
    expect(ended).toMatchObject({ kind: 'ended', alertId: created.alertId, message: 'picture recovered: mean luma 120.0, sharpness 10.00 (covered at luma ≤ 40 and sharpness ≤ 3)' });
    // Covered again within the 300 s default cooldown: no new alert.
    r.span(T0 + 14_000, T0 + 30_000, 500, () => [], () => q(10, 0.5));
    expect(r.of('created')).toHaveLength(1);
    // After the cooldown it fires again, with a new id.
    r.span(T0 + 313_500, T0 + 316_000, 500, () => [], () => q(10, 0.5));
    const again = r.of('created');
    expect(again).toHaveLength(2);
    expect(again[1].alertId).not.toBe(created.alertId);
  });

  it('camera_covered fires at 0.4 fps, where frames come further apart than its 1.5 s (each bad frame does not start a new streak)', () => {
    const r = new Run(new CameraRuleEngine(testCamera({ fps: 0.4, rules: [{ id: 'cov', type: 'camera_covered' }] as never })));
    r.span(T0, T0 + 10_000, 2500, () => [], () => q(120));
    r.at(T0 + 10_000, [], q(20, 1));
    expect(r.events).toEqual([]);
    const [created] = r.at(T0 + 12_500, [], q(20, 1));
    expect(created).toMatchObject({ kind: 'created', rule: 'camera_covered', startedAt: T0 + 10_000 });
  });

  it('camera_frozen takes the differences of frames ingest did not forward (heartbeats of a quiet camera)', () => {
    const engine = new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }]));
    // A heartbeat every 5 s; in between ingest sampled 4 fps and measured ~0 change (IDR refresh every 2 s).
    const samples = (from: number, to: number) => {
      const out: { at: number; difference: number }[] = [];
      for (let t = from + 250; t < to; t += 250) out.push({ at: t, difference: (t - T0) % 2000 === 0 ? 0.4 : 0.005 });
      return out;
    };
    expect(engine.evaluate({ capturedAt: T0, tracks: [], removed: [], quality: q(100, 10, 0.005) })).toEqual([]);
    expect(engine.isHot()).toBe(false); // a single repeated frame is no reason to take every frame
    expect(engine.evaluate({ capturedAt: T0 + 5000, tracks: [], removed: [], quality: q(100, 10, 0.005), earlierDifferences: samples(T0, T0 + 5000) })).toEqual([]);
    expect(engine.isHot()).toBe(true); // 5 s of repeated frames: send every frame now
    const events = engine.evaluate({ capturedAt: T0 + 6250, tracks: [], removed: [], quality: q(100, 10, 0.004), earlierDifferences: samples(T0 + 5000, T0 + 6250) });
    expect(events).toMatchObject([{ kind: 'created', rule: 'camera_frozen', startedAt: T0 }]);
  });

  it('a quiet live scene with short runs of repeated frames does not keep the camera hot', () => {
    const engine = new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }]));
    let t = T0;
    for (let beat = 0; beat < 6; beat++, t += 5000) {
      // 1.5 s of repeated frames, then live noise (measured on static_sub at 4 fps)
      const earlier = Array.from({ length: 19 }, (_, i) => ({ at: t - 5000 + 250 * (i + 1), difference: i < 13 ? 0.6 : 0.01 }));
      engine.evaluate({ capturedAt: t, tracks: [], removed: [], quality: q(100, 10, 0.02), earlierDifferences: beat ? earlier : [] });
      expect(engine.isHot()).toBe(false);
    }
  });

  it('a night scene (dark but sharp and changing) is not covered, and a frozen night picture is still reported', () => {
    // Measured on night-boat: luma ~31, sharpness 6–13, frames changing.
    const night = new Run(new CameraRuleEngine(healthCamera([{ id: 'cov', type: 'camera_covered' }, { id: 'frz', type: 'camera_frozen' }])));
    night.span(T0, T0 + 30_000, 250, () => [], (t) => q(31, 6 + ((t / 250) % 7), 0.4));
    expect(night.of('created')).toEqual([]);
    // The same camera freezes at night: the frozen check is not silenced by the darkness.
    night.span(T0 + 30_000, T0 + 40_000, 250, () => [], () => q(31, 8, 0.01));
    expect(night.of('created').map((e) => e.rule)).toEqual(['camera_frozen']);
  });

  it('camera_frozen: unchanged frames for `seconds`; tolerates one encoder refresh and unknown differences', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }])));
    r.span(T0, T0 + 2000, 500, () => [], () => q(100, 10, 4));
    r.span(T0 + 2000, T0 + 8000, 500, () => [], (t) => q(100, 10, t === T0 + 4000 ? 0.9 : t === T0 + 5000 ? null : 0.01));
    expect(r.events).toEqual([]);
    expect(r.engine.isHot()).toBe(true);
    expect(r.at(T0 + 8000, [], q(100, 10, 0.01))).toMatchObject([{ kind: 'created', rule: 'camera_frozen', startedAt: T0 + 2000 }]);
    // Two refreshes in a row are movement: a fresh streak would be needed.
    const moving = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }])));
    moving.span(T0, T0 + 20_000, 500, () => [], (t) => q(100, 10, (t - T0) % 3000 < 1000 ? 3 : 0.01));
    expect(moving.events).toEqual([]);
    // Recovery needs a clear difference (> 2 × maxDifference) on consecutive frames.
    r.span(T0 + 8500, T0 + 20_000, 500, () => [], () => q(100, 10, 0.08));
    expect(r.of('ended')).toEqual([]);
    r.span(T0 + 20_000, T0 + 22_500, 500, () => [], () => q(100, 10, 6));
    expect(r.of('ended')).toMatchObject([{ capturedAt: T0 + 22_000 }]);
  });

  it('camera_blurred: sharpness below the ratio of the learned baseline, which stays frozen while blurred', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'cov', type: 'camera_covered' }, { id: 'blur', type: 'camera_blurred' }])));
    // Warm-up: nothing is judged until the baseline has 10 samples (these are poor, 2).
    r.span(T0, T0 + 2250, 250, () => [], () => q(100, 2));
    expect(r.events).toEqual([]);
    // It then rises quickly (30 s) towards the healthy ~10–11.
    r.span(T0 + 10_000, T0 + 100_000, 250, () => [], (t) => q(100, t % 500 ? 10 : 11));
    expect(r.engine.toJSON().baseline.mean).toBeGreaterThan(9.5);
    expect(r.events).toEqual([]);
    // Defocused: 3 < 0.35 × ~10.
    r.span(T0 + 100_000, T0 + 103_000, 250, () => [], () => q(100, 3));
    expect(r.events).toEqual([]);
    expect(r.at(T0 + 103_000, [], q(100, 3))).toMatchObject([{ kind: 'created', rule: 'camera_blurred', severity: 'warning', startedAt: T0 + 100_000 }]);
    const before = r.engine.toJSON().baseline.mean;
    r.span(T0 + 103_250, T0 + 703_250, 1000, () => [], () => q(100, 3)); // ten minutes blurred
    expect(r.engine.toJSON().baseline.mean).toBe(before);
    expect(r.of('ended')).toEqual([]);
    // Sharper but not back (4 < 1.3 × 0.35 × ~10): still blurred. Then sharp again.
    r.span(T0 + 704_000, T0 + 710_000, 500, () => [], () => q(100, 4));
    expect(r.of('ended')).toEqual([]);
    r.span(T0 + 710_000, T0 + 713_000, 500, () => [], () => q(100, 9));
    expect(r.of('ended')).toMatchObject([{ rule: 'camera_blurred', capturedAt: T0 + 712_000 }]);
  });

  it('camera_frozen on the measured figures: IDR refreshes on a frozen stream vs a live static scene', () => {
    // docs/detection.md: frozen 0.00–0.02 but ~1.0 on the frame after each IDR (every 2 s); a live
    // static scene 0.93–5.0. At 2 fps the IDR step is one frame in four.
    const frozen = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen', maxDifference: 0.05 }])));
    frozen.span(T0, T0 + 12_000, 500, () => [], () => q(137, 37, 3.3));
    frozen.span(T0 + 12_000, T0 + 30_000, 500, () => [], (t) => q(137, 37, (t - T0) % 2000 === 500 ? 1.0 : 0.01));
    expect(frozen.of('created')).toMatchObject([{ rule: 'camera_frozen', startedAt: T0 + 12_000, capturedAt: T0 + 18_000 }]);
    const live = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen', maxDifference: 0.05 }])));
    live.span(T0, T0 + 60_000, 500, () => [], (t) => q(137, 37, 0.93 + ((t / 500) % 7) * 0.6));
    expect(live.events).toEqual([]);
  });

  it('camera_frozen: a nearly-still frame next to a refresh is not a second odd frame (720p stream, measured at 4 fps)', () => {
    // tamper-freeze.mp4 (1280×720), 12–20 s: after the freeze the encoder keeps refining the picture
    // for a few seconds (0.03–0.12) and refreshes it every 2 s (0.67–0.76); at 17.75 s the frame before
    // the refresh differs by 0.065. Then 0.00–0.03 between refreshes.
    const measured = [
      2.516, 0.092, 0.028, 0.123, 0.064, 0.068, 0.06, 0.015, 0.756, 0.079, 0.078, 0.058, 0.036, 0.03, 0.052, 0.021, 0.719, 0.01, 0.012, 0.013,
      0.042, 0.027, 0.039, 0.065, 0.665, 0.002, 0.006, 0.017, 0.015, 0.008, 0.027, 0.023,
    ];
    const later = [0.661, 0.011, 0.018, 0.017, 0.014, 0.014, 0.011, 0.024];
    const difference = (t: number) => {
      const k = Math.round((t - T0) / 250);
      return k < 48 ? 3 : k < 80 ? measured[k - 48] : later[(k - 80) % later.length];
    };
    const frozen = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }])));
    frozen.span(T0, T0 + 30_000, 250, () => [], (t) => q(137, 37, difference(t)));
    // The nine in-between frames (0.04 < d ≤ 0.08) before it fires pause the streak: 2.25 s later
    // than when they counted as frozen (18.5 s), far earlier than when they restarted it (24.25 s).
    expect(frozen.of('created')).toMatchObject([{ rule: 'camera_frozen', startedAt: T0 + 14_750, capturedAt: T0 + 20_750 }]);
    // Two clearly moving frames in a row still restart the timing.
    const moving = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }])));
    moving.span(T0, T0 + 30_000, 250, () => [], (t) => q(137, 37, (t - T0) % 1500 < 500 ? 0.5 : 0.01));
    expect(moving.events).toEqual([]);
  });

  it('camera_frozen: a live dark scene at low bitrate stays quiet (360p stream, measured at 4 fps)', () => {
    // static_sub.mp4 (640×360), 14–26 s around the darkest point: between refreshes the encoder drops
    // most sensor noise (0.002–0.06), but some frame clearly changes every second or so.
    const measured = [
      1.686, 2.969, 0.094, 0.04, 0.849, 0.24, 2.121, 0.194, 1.604, 0.211, 0.049, 1.679, 0.194, 0.238, 0.197, 0.117, 1.487, 0.175, 0.047, 0.012,
      0.038, 0.059, 0.108, 0.09, 1.413, 0.158, 0.05, 0.004, 0.017, 0.02, 0.047, 0.037, 1.443, 0.14, 0.04, 0.002, 0.007, 1.933, 0.076, 0.066,
      1.604, 0.127, 0.042, 1.95, 0.899, 0.035, 0.134, 3.012,
    ];
    const live = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }])));
    live.span(T0, T0 + 36_000, 250, () => [], (t) => q(64, 20, measured[Math.round((t - T0) / 250) % measured.length]));
    expect(live.events).toEqual([]);
  });

  it('leaves an unchanging dark picture to camera_covered', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'cov', type: 'camera_covered' }, { id: 'frz', type: 'camera_frozen' }])));
    r.span(T0, T0 + 5000, 500, () => [], () => q(137, 37, 3));
    r.span(T0 + 5000, T0 + 30_000, 500, () => [], () => q(17.3, 0.3, 0));
    expect(r.events.map((e) => `${e.kind}:${e.rule}`)).toEqual(['created:camera_covered']);
  });

  it('judges the dark pictures camera_covered does not report: a night pond that freezes, a lens covered at dusk', () => {
    const all = [{ id: 'cov', type: 'camera_covered' }, { id: 'blur', type: 'camera_blurred' }, { id: 'frz', type: 'camera_frozen' }];
    // Night pond: luma 35 (≤ 40) with a little detail (4–5 > 3): not covered; it freezes at 10 s.
    const night = new Run(new CameraRuleEngine(healthCamera(all)));
    night.span(T0, T0 + 10_000, 500, () => [], (t) => q(35, 4 + ((t / 500) % 2), 0.5));
    night.span(T0 + 10_000, T0 + 30_000, 500, () => [], (t) => q(35, 4 + ((t / 500) % 2), 0.01));
    expect(night.of('created')).toMatchObject([{ rule: 'camera_frozen', startedAt: T0 + 10_000, capturedAt: T0 + 16_000 }]);
    // Dusk: a day picture, then a hand over the lens lets some light through (luma 45 > 40): blurred and frozen report it.
    const dusk = new Run(new CameraRuleEngine(healthCamera(all)));
    dusk.span(T0, T0 + 10_000, 500, () => [], () => q(100, 10, 3));
    dusk.span(T0 + 10_000, T0 + 30_000, 500, () => [], () => q(45, 1, 0));
    expect(dusk.of('created').map((e) => [e.rule, e.capturedAt - T0])).toEqual([
      ['camera_blurred', 13_000],
      ['camera_frozen', 16_000],
    ]);
    // While camera_covered's alert is open, the same in-between picture stays covered's alone.
    const covered = new Run(new CameraRuleEngine(healthCamera(all)));
    covered.span(T0, T0 + 10_000, 500, () => [], () => q(100, 10, 3));
    covered.span(T0 + 10_000, T0 + 15_000, 500, () => [], () => q(20, 0.5, 0));
    covered.span(T0 + 15_000, T0 + 40_000, 500, () => [], () => q(45, 1, 0));
    expect(covered.events.map((e) => `${e.kind}:${e.rule}`)).toEqual(['created:camera_covered']);
  });

  it('pauses a bad streak on in-between frames: one frozen frame, 6 s of neither, one more is not "frozen for 6 s"', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'frz', type: 'camera_frozen' }])));
    r.at(T0, [], q(100, 10, 3));
    r.at(T0 + 500, [], q(100, 10, 0.01));
    r.span(T0 + 1000, T0 + 6500, 500, () => [], () => q(100, 10, 0.06)); // 0.04 < d ≤ 0.08
    r.at(T0 + 6500, [], q(100, 10, 0.01));
    expect(r.events).toEqual([]);
    // Frozen from here on: 6 s of frozen frames are needed (the step into 6.5 s counts as frozen).
    r.span(T0 + 7000, T0 + 12_000, 500, () => [], () => q(100, 10, 0.01));
    expect(r.events).toEqual([]);
    expect(r.at(T0 + 12_000, [], q(100, 10, 0.01))).toMatchObject([{ rule: 'camera_frozen', startedAt: T0 + 6000, message: 'camera picture frozen for 6.0 s: frame difference 0.01 (frozen at ≤ 0.04)' }]);
  });

  it('does not call a dark picture blurred, and waits without picture metrics', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'cov', type: 'camera_covered' }, { id: 'blur', type: 'camera_blurred' }])));
    r.span(T0, T0 + 10_000, 500, () => [], () => q(100, 10));
    r.span(T0 + 10_000, T0 + 20_000, 500, () => [], () => q(15, 0.5));
    expect(r.events.map((e) => `${e.kind}:${e.rule}`)).toEqual(['created:camera_covered']);
    r.span(T0 + 20_000, T0 + 40_000, 500); // no metrics: nothing changes
    expect(r.events).toHaveLength(1);
  });
});

describe('camera_moved', () => {
  const N = 24;
  const view = (shift = 0) => Float32Array.from({ length: N }, (_, i) => 40 + (((i + shift) * 37) % 100));
  const seen = (layout: Float32Array, chroma = 30): FrameQualitySample => ({ meanLuma: 120, sharpness: 10, difference: 5, layout, chroma });

  it('reports a view that stays changed for `seconds`, ignores the infrared switch, and ends when the view is back', () => {
    const r = new Run(new CameraRuleEngine(healthCamera([{ id: 'mov', type: 'camera_moved', seconds: 20 }])));
    r.span(T0, T0 + 30_000, 1000, () => [], () => seen(view()));
    // Night: the camera switches to infrared grey with another look — a new mode to learn, not a move.
    r.span(T0 + 30_000, T0 + 90_000, 1000, () => [], () => seen(view(11), 1));
    expect(r.events).toEqual([]);
    // Day again, but the camera was knocked away: 19 s is not enough, 20 s is.
    r.span(T0 + 90_000, T0 + 110_000, 1000, () => [], () => seen(view(7)));
    expect(r.events).toEqual([]);
    const [created] = r.at(T0 + 110_000, [], seen(view(7)));
    expect(created).toMatchObject({ kind: 'created', rule: 'camera_moved', severity: 'major', startedAt: T0 + 90_000 });
    expect(created.message).toMatch(/^camera view changed \(turned, tilted or knocked away: check that its zones still lie where they were drawn\) for 20\.0 s: the picture's layout correlates -?0\.\d\d with the learned view \(changed below 0\.6\)$/);
    // Turned back: ends after 2 s of the old view.
    r.span(T0 + 111_000, T0 + 113_000, 1000, () => [], () => seen(view()));
    expect(r.of('ended')).toEqual([]);
    expect(r.at(T0 + 113_000, [], seen(view()))).toMatchObject([{ kind: 'ended', alertId: created.alertId }]);
  });

  it('does not judge dusk pictures too dim and featureless to learn from against the view learned by day', () => {
    const rules = [{ id: 'mov', type: 'camera_moved', seconds: 10 }, { id: 'cov', type: 'camera_covered' }];
    const r = new Run(new CameraRuleEngine(healthCamera(rules)));
    r.span(T0, T0 + 30_000, 1000, () => [], () => seen(view()));
    // Dusk: luma 45 (above covered's 40, within its recovery margin), little detail, another layout.
    r.span(T0 + 30_000, T0 + 90_000, 1000, () => [], () => ({ meanLuma: 45, sharpness: 4, difference: 5, layout: view(7), chroma: 30 }));
    expect(r.events).toEqual([]);
  });

  it('keeps the learned view and sharpness baseline over a restart (a camera turned during an outage), unless the zones were redrawn', () => {
    const zones = (x: number) => [{ id: 'pond', type: 'water', polygon: [[x, 0.5], [0.9, 0.5], [0.9, 0.9], [x, 0.9]] }];
    const rules = [{ id: 'mov', type: 'camera_moved', seconds: 10 }, { id: 'frz', type: 'camera_frozen' }];
    const camera = (x = 0.1) => testCamera({ zones: zones(x) as never, rules: rules as never });
    const before = new Run(new CameraRuleEngine(camera()));
    before.span(T0, T0 + 20_000, 1000, () => [], () => seen(view()));
    before.span(T0 + 20_000, T0 + 23_000, 1000, () => [], () => ({ ...seen(view()), difference: 0 })); // a frozen streak being timed
    const saved = JSON.parse(JSON.stringify(before.engine.toJSON()));
    // Back after 10 minutes, turned: reported, and nothing else carried over (the frozen streak, the time).
    const after = new Run(CameraRuleEngine.restartFrom(camera(), saved));
    expect(after.engine.toJSON()).toMatchObject({ lastCapturedAt: null, baseline: saved.baseline, view: saved.view, rules: { frz: { state: { since: null } } } });
    after.span(T0 + 623_000, T0 + 640_000, 1000, () => [], () => seen(view(7)));
    expect(after.of('created')).toMatchObject([{ rule: 'camera_moved', startedAt: T0 + 623_000 }]);
    // The operator redrew the zones for the new view: it is learned afresh, nothing is reported.
    const redrawn = new Run(CameraRuleEngine.restartFrom(camera(0.2), saved));
    redrawn.span(T0 + 623_000, T0 + 640_000, 1000, () => [], () => seen(view(7)));
    expect(redrawn.events).toEqual([]);
  });

  it('learns the view again when the zones are redrawn for it', () => {
    const zones = (x: number) => [{ id: 'pond', type: 'water', polygon: [[x, 0.5], [0.9, 0.5], [0.9, 0.9], [x, 0.9]] }];
    const rules = [{ id: 'mov', type: 'camera_moved', seconds: 10 }];
    const engine = new CameraRuleEngine(testCamera({ zones: zones(0.1) as never, rules: rules as never }));
    const r = new Run(engine);
    r.span(T0, T0 + 20_000, 1000, () => [], () => seen(view()));
    r.span(T0 + 20_000, T0 + 40_000, 1000, () => [], () => seen(view(7)));
    expect(r.of('created')).toHaveLength(1);
    const redrawn = CameraRuleEngine.fromJSON(testCamera({ zones: zones(0.2) as never, rules: rules as never }), JSON.parse(JSON.stringify(engine.toJSON())));
    const r2 = new Run(redrawn);
    r2.span(T0 + 40_000, T0 + 60_000, 1000, () => [], () => seen(view(7)));
    expect(r2.of('ended')).toHaveLength(1); // the new view is the view now
    expect(r2.of('created')).toEqual([]);
  });
});

import { parseCamera } from '@xl/config';
import type { Detector } from '@xl/detection';
import { DEFAULT_TRACKER_OPTIONS } from '@xl/tracking';
import { CameraRuntime } from './camera-runtime';
import { FrameAnalyzer, QUALITY_INTERVAL_MS, type AnalysisState } from './frame-analyzer';

const W = 32;
const H = 32;
const T0 = 1_800_000_000_000;
const camera = parseCamera({ id: 'pond', url: 'rtsp://h/x', zones: [{ id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] });
const detector: Detector = {
  detect: async () => [],
  detectKeepingFrame: async (f) => ({ detections: [], data: f.data }),
  close: async () => undefined,
};
const frame = (capturedAt: number, grey: number, difference: number) => ({
  cameraId: 'pond',
  seq: capturedAt - T0,
  capturedAt,
  data: new Uint8Array(W * H * 3).fill(grey),
  width: W,
  height: H,
  letterbox: { srcWidth: W, srcHeight: H, scale: 1, padX: 0, padY: 0 },
  difference,
});

describe('FrameAnalyzer quality sampling', () => {
  it('measures luma and sharpness at most once a second per camera, the difference on every frame', async () => {
    const analyzer = new FrameAnalyzer(detector);
    const runtime = new CameraRuntime(camera);
    const first = await analyzer.analyze(frame(T0, 100, 1), runtime, null);
    expect(first.quality.meanLuma).toBeCloseTo(100, 0);
    // Darker half a second later: the last measurement stands, the difference is this frame's.
    const reused = await analyzer.analyze(frame(T0 + QUALITY_INTERVAL_MS / 2, 20, 7), runtime, first.state);
    expect(reused.quality).toEqual({ ...first.quality, difference: 7 });
    const measured = await analyzer.analyze(frame(T0 + QUALITY_INTERVAL_MS, 20, 3), runtime, reused.state);
    expect(measured.quality.meanLuma).toBeCloseTo(20, 0);
    expect(measured.quality.difference).toBe(3);
    // An older frame (another worker ran ahead) is measured, not given a newer frame's numbers.
    const older = await analyzer.analyze(frame(T0 + 10, 60, 0), runtime, null);
    expect(older.quality.meanLuma).toBeCloseTo(60, 0);
  });

  it('measures every frame with an interval of 0', async () => {
    const analyzer = new FrameAnalyzer(detector, {}, 0);
    const runtime = new CameraRuntime(camera);
    await analyzer.analyze(frame(T0, 100, 1), runtime, null);
    expect((await analyzer.analyze(frame(T0 + 1, 20, 1), runtime, null)).quality.meanLuma).toBeCloseTo(20, 0);
  });
});

describe('FrameAnalyzer ignore zones', () => {
  const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
  const post = { id: 'post', type: 'ignore', polygon: [[0.38, 0.45], [0.52, 0.45], [0.52, 0.85], [0.38, 0.85]] };
  const person = (box: [number, number, number, number]) => ({ box, score: 0.8, classId: 0, label: 'person' });
  const postBox = person([0.4, 0.5, 0.5, 0.8]);
  /** Two seconds of frames at 4 fps in which the detector sees `seen`; the alert events they raise. */
  async function run(zones: unknown[], seen: ReturnType<typeof person>[]) {
    const fixed: Detector = { ...detector, detectKeepingFrame: async (f) => ({ detections: seen, data: f.data }) };
    const analyzer = new FrameAnalyzer(fixed);
    const runtime = new CameraRuntime(parseCamera({ id: 'pond', url: 'rtsp://h/x', zones }));
    let state: AnalysisState | null = null;
    const results = [];
    for (let i = 0; i < 8; i++) {
      const result = await analyzer.analyze(frame(T0 + i * 250, 100, 1), runtime, state);
      state = result.state;
      results.push(result);
    }
    return { events: results.flatMap((r) => r.events.map((e) => e.rule)), ignored: results.reduce((n, r) => n + r.ignored, 0), tracks: results.at(-1)!.tracks, live: results.at(-1)!.live };
  }

  it('drops a detection whose box lies in an ignore zone before tracking: no track, no alert, the camera not kept hot', async () => {
    expect((await run([water], [postBox])).events).toContain('zone_enter'); // the post, taken for a person in the water
    const masked = await run([water, post], [postBox]);
    expect(masked).toMatchObject({ events: [], ignored: 8, tracks: [], live: false });
  });

  it('raises no possible drowning for a post tracked before its ignore zone was drawn', async () => {
    const fixed: Detector = { ...detector, detectKeepingFrame: async (f) => ({ detections: [postBox], data: f.data }) };
    const analyzer = new FrameAnalyzer(fixed);
    const runtime = (zones: unknown[]) => new CameraRuntime(parseCamera({ id: 'pond', url: 'rtsp://h/x', zones }));
    let state: AnalysisState | null = null;
    let t = T0;
    const rules: string[] = [];
    const step = async (r: CameraRuntime) => {
      const result = await analyzer.analyze(frame(t, 100, 1), r, state);
      state = result.state;
      t += 250;
      rules.push(...result.events.filter((e) => e.kind === 'created').map((e) => e.rule));
    };
    const before = runtime([water]);
    for (let i = 0; i < 12; i++) await step(before); // 3 s: the post is a person in the water
    expect(rules).toEqual(['zone_enter']);
    const after = runtime([water, post]); // the operator draws the ignore zone around it
    for (let i = 0; i < 40; i++) await step(after); // 10 s, far past lostSeconds (3)
    expect(rules).toEqual(['zone_enter']);
  });

  it('keeps a swimmer whose box overlaps the ignore zone only in part', async () => {
    const swimmer = person([0.46, 0.6, 0.58, 0.8]); // half of it over the post's zone
    const result = await run([water, post], [postBox, swimmer]);
    expect(result.ignored).toBe(8);
    expect(result.events).toContain('zone_enter');
    expect(result.tracks.map((t) => t.box)).toEqual([swimmer.box]);
  });
});

describe('FrameAnalyzer state carry', () => {
  it("starts tracks, timers and alerts afresh from a state it cannot continue, keeping the camera's learned view and sharpness baseline", async () => {
    const swimmer = { box: [0.4, 0.5, 0.5, 0.8] as [number, number, number, number], score: 0.8, classId: 0, label: 'person' };
    const analyzer = new FrameAnalyzer({ ...detector, detectKeepingFrame: async (f) => ({ detections: [swimmer], data: f.data }) });
    const runtime = new CameraRuntime(camera);
    let state: AnalysisState | null = null;
    for (let i = 0; i < 12; i++) state = (await analyzer.analyze(frame(T0 + i * 250, 100, 1), runtime, state)).state;
    const saved = JSON.parse(JSON.stringify(state)) as AnalysisState;
    expect(saved.rules.alerts.open.map((a) => a.rule)).toEqual(['zone_enter']);
    // Ten minutes later (a camera reboot): the swimmer's track and alert are not continued.
    const later = await analyzer.analyze(frame(T0 + 600_000, 100, 1), runtime, saved, 'learned');
    expect(later.events).toEqual([]);
    expect(later.state.tracker.tracks.map((t) => [t.id, t.status])).toEqual([[1, 'tentative']]);
    expect(later.state.rules).toMatchObject({ alerts: { open: [] }, recentSteps: [] });
    // The view (warmed up: 10 samples) and the sharpness baseline are where they were, not learned
    // anew from whatever the camera sees after the outage.
    expect(saved.rules.view?.mono?.samples).toBe(10);
    expect(later.state.rules.view).toEqual(saved.rules.view);
    expect(later.state.rules.baseline.samples).toBe(saved.rules.baseline.samples + 1);
  });

  it('analyses afresh from a state it cannot restore (another version, after a rollback), saying why', async () => {
    const analyzer = new FrameAnalyzer(detector);
    const runtime = new CameraRuntime(camera);
    const first = (await analyzer.analyze(frame(T0, 100, 1), runtime, null)).state;
    const foreign = { ...first, rules: { ...first.rules, version: 2 } } as unknown as AnalysisState;
    for (const carry of ['all', 'learned'] as const) {
      const result = await analyzer.analyze(frame(T0 + 250, 100, 1), runtime, foreign, carry);
      expect(result.discardedState).toBe('rule engine state: unsupported version 2');
      expect(result.state.rules.version).toBe(1);
    }
    expect((await analyzer.analyze(frame(T0 + 500, 100, 1), runtime, first)).discardedState).toBeUndefined();
  });
});

describe('FrameAnalyzer tracker thresholds and hot cameras', () => {
  const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
  const reach = { id: 'reach', type: 'no_fishing', polygon: [[0, 0], [1, 0], [1, 0.45], [0, 0.45]] };
  const det = (label: string, classId: number, box: [number, number, number, number], score: number) => ({ box, score, classId, label });
  /** Frames at 2 fps for `seconds` in which the detector sees `seen`; every result. */
  async function run(zones: unknown[], seen: ReturnType<typeof det>[], seconds: number) {
    const analyzer = new FrameAnalyzer({ ...detector, detectKeepingFrame: async (f) => ({ detections: seen, data: f.data }) });
    const runtime = new CameraRuntime(parseCamera({ id: 'pond', url: 'rtsp://h/x', zones }));
    let state: AnalysisState | null = null;
    const results = [];
    for (let i = 0; i * 500 <= seconds * 1000; i++) {
      const result = await analyzer.analyze(frame(T0 + i * 500, 100, 1), runtime, state);
      state = result.state;
      results.push(result);
    }
    return results;
  }

  it('keeps the camera live from the first frame a watched object is seen: its confirming frame must not wait for a heartbeat', async () => {
    const [first] = await run([water], [det('person', 0, [0.4, 0.5, 0.5, 0.8], 0.8)], 0);
    expect(first.tracks).toEqual([]); // tentative, not reported yet
    expect(first.live).toBe(true);
    // Objects no rule watches — another class, or a person under every rule's minScore (0.35) — do not.
    expect((await run([water], [det('fire hydrant', 10, [0.4, 0.5, 0.5, 0.8], 0.8)], 0))[0].live).toBe(false);
    expect((await run([water], [det('person', 0, [0.4, 0.5, 0.5, 0.8], 0.32)], 0))[0].live).toBe(false);
  });

  it("starts tracks of a rule's classes from its minScore below the tracker's 0.3: a night boat at 0.25 in a no-fishing zone is reported", async () => {
    const boat = det('boat', 8, [0.4, 0.2, 0.55, 0.3], 0.25);
    const results = await run([reach], [boat], 3);
    expect(results.flatMap((r) => r.events.filter((e) => e.kind === 'created').map((e) => [e.rule, e.ruleId, e.zoneId]))).toEqual([['zone_enter', 'reach.boat', 'reach']]);
    expect(results[0].live).toBe(true);
    // Only for the rule's classes: on the same camera a person at 0.25 still starts no track (0.3).
    const mixed = await run([water, reach], [boat, det('person', 0, [0.4, 0.5, 0.5, 0.8], 0.25)], 3);
    expect(mixed.at(-1)!.tracks.map((t) => t.label)).toEqual(['boat']);
    expect(mixed.at(-1)!.state.tracker.options.highScoreByLabel).toEqual({ boat: 0.2 });
  });
});

describe('FrameAnalyzer lost buffer at slow frame rates', () => {
  const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
  const swimmer = { box: [0.4, 0.5, 0.5, 0.8] as [number, number, number, number], score: 0.8, classId: 0, label: 'person' };
  /** Frames every `stepMs` in which the detector sees the swimmer when `seen(i)`; every result. */
  async function run(fps: number, stepMs: number, frames: number, seen: (i: number) => boolean) {
    const rules = [{ id: 'v', type: 'vanish_in_water', zone: 'water', lostSeconds: 5 }];
    const runtime = new CameraRuntime(parseCamera({ id: 'pond', url: 'rtsp://h/x', fps, zones: [water], rules }));
    let i = 0;
    const analyzer = new FrameAnalyzer({ ...detector, detectKeepingFrame: async (f) => ({ detections: seen(i) ? [swimmer] : [], data: f.data }) });
    let state: AnalysisState | null = null;
    const results = [];
    for (; i < frames; i++) {
      const result = await analyzer.analyze(frame(T0 + i * stepMs, 100, 1), runtime, state);
      state = result.state;
      results.push(result);
    }
    return results;
  }
  const vanishes = (results: Array<{ events: Array<{ kind: string; rule: string; capturedAt: number }> }>) =>
    results.flatMap((r) => r.events.filter((e) => e.kind === 'created' && e.rule === 'vanish_in_water').map((e) => (e.capturedAt - T0) / 1000));

  it('keeps the track of a swimmer missed for one frame at 0.4 fps: no possible drowning for someone in view', async () => {
    // Seen at 0–7.5 s, missed at 10 s (2.5 s unseen, past the default 2 s buffer), seen again from 12.5 s.
    const results = await run(0.4, 2500, 8, (i) => i !== 4);
    expect(vanishes(results)).toEqual([]); // was [12.5]: track 1 removed at 10 s, the swimmer tentative track 2
    expect(results[4].tracks.map((t) => [t.trackId, t.state])).toEqual([[1, 'lost']]);
    expect(results.slice(5).map((r) => r.tracks.map((t) => [t.trackId, t.state]))).toEqual([
      [[1, 'tracked']],
      [[1, 'tracked']],
      [[1, 'tracked']],
    ]);
    expect(results.at(-1)!.state.tracker.options.lostBufferSeconds).toBe(5); // two frame intervals
    // A real disappearance is still reported lostSeconds after the last sighting.
    expect(vanishes(await run(0.4, 2500, 8, (i) => i < 4))).toEqual([12.5]);
  });

  it('leaves the 2 s lost buffer of a camera at its default 2 fps as it was', async () => {
    const results = await run(2, 500, 16, (i) => i < 6); // seen 0–2.5 s
    expect(results.at(-1)!.state.tracker.options.lostBufferSeconds).toBe(2);
    expect(results.map((r) => r.tracks.length)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]); // removed at 5 s: 2.5 s unseen
    expect(vanishes(results)).toEqual([7.5]);
  });
});

describe('FrameAnalyzer tracker thresholds after an upgrade', () => {
  it("continues a camera's saved tracks with this release's tracker thresholds, not those of the release that first saved them", async () => {
    const swimmer = { box: [0.4, 0.5, 0.5, 0.8] as [number, number, number, number], score: 0.8, classId: 0, label: 'person' };
    let seen: (typeof swimmer)[] = [];
    const seeing: Detector = { ...detector, detectKeepingFrame: async (f) => ({ detections: seen, data: f.data }) };
    // The release before the upgrade (here: confirmHits 3, lowMatchIou 0.6) analysed the empty pond.
    const before = new FrameAnalyzer(seeing, { confirmHits: 3, lowMatchIou: 0.6 });
    const runtime = new CameraRuntime(camera);
    let state: AnalysisState | null = null;
    for (let i = 0; i < 4; i++) state = (await before.analyze(frame(T0 + i * 500, 100, 1), runtime, state)).state;
    // Rolling upgrade: this release's analyzer takes the next frames 2 s later (no 60 s gap: carry 'all').
    const after = new FrameAnalyzer(seeing);
    seen = [swimmer];
    const first = await after.analyze(frame(T0 + 4000, 100, 1), runtime, JSON.parse(JSON.stringify(state)) as AnalysisState);
    const second = await after.analyze(frame(T0 + 4500, 100, 1), runtime, first.state);
    expect(second.state.tracker.options).toMatchObject({ confirmHits: DEFAULT_TRACKER_OPTIONS.confirmHits, lowMatchIou: DEFAULT_TRACKER_OPTIONS.lowMatchIou });
    // With this release's confirmHits (2) the swimmer is reported on their second frame.
    expect(second.tracks.map((t) => t.trackId)).toEqual([1]);
  });
});

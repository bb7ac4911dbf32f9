import { parseCamera } from '@xl/config';
import type { Detector } from '@xl/detection';
import { CameraRuntime } from './camera-runtime';
import { FrameAnalyzer, type AnalysisState } from './frame-analyzer';

// The link between the rules' hot mark (engine.isHot()) and the frame result's `live`, which the
// processor turns into the camera's hot mark. Without it, once nobody is tracked the hot mark lapses
// HOT_TTL_MS (5 s) after the last sighting; ingest then forwards only motion and heartbeat frames
// (5 s apart) and a 10 s vanish countdown counting at most 1.5 s per gap raised the drowning ~25 s
// after the last sighting instead of 10 s. At the default lostSeconds (3 s) the hot TTL outlasts the
// countdown, so only a longer countdown shows it.

const W = 32;
const H = 32;
const T0 = 1_800_000_000_000;
const LOST_SECONDS = 10;
const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
const vanish = { id: 'water.vanish', type: 'vanish_in_water', zone: 'water', lostSeconds: LOST_SECONDS };
const swimmer = { box: [0.4, 0.6, 0.5, 0.9] as [number, number, number, number], score: 0.8, classId: 0, label: 'person' };
const frame = (capturedAt: number) => ({
  cameraId: 'pond',
  seq: capturedAt - T0,
  capturedAt,
  data: new Uint8Array(W * H * 3).fill(100),
  width: W,
  height: H,
  letterbox: { srcWidth: W, srcHeight: H, scale: 1, padX: 0, padY: 0 },
  difference: 5,
});

describe('FrameAnalyzer through a vanish countdown', () => {
  it('keeps the camera live (hot) on every frame of a vanish countdown in which nobody is tracked, until the drowning is raised', async () => {
    // Seen for 3 s at 2 fps, then gone under in calm water: no detection, no track.
    const lastSeenAt = T0 + 3000;
    let analysing = T0;
    const detector: Detector = {
      detect: async () => [],
      detectKeepingFrame: async (f) => ({ detections: analysing <= lastSeenAt ? [swimmer] : [], data: f.data }),
      close: async () => undefined,
    };
    const analyzer = new FrameAnalyzer(detector);
    const runtime = new CameraRuntime(parseCamera({ id: 'pond', url: 'rtsp://h/x', fps: 2, zones: [water], rules: [vanish] }));

    let state: AnalysisState | null = null;
    const countdown: { t: number; live: boolean; tracked: number }[] = [];
    let vanishAt: number | null = null;
    for (let t = T0; t <= T0 + 20_000 && vanishAt === null; t += 500) {
      analysing = t;
      const result = await analyzer.analyze(frame(t), runtime, state);
      state = result.state;
      if (result.events.some((e) => e.rule === 'vanish_in_water' && e.kind === 'created')) vanishAt = t;
      else if (t > lastSeenAt) countdown.push({ t: (t - T0) / 1000, live: result.live, tracked: result.tracks.filter((tr) => tr.state === 'tracked').length });
    }

    expect(vanishAt).toBe(lastSeenAt + LOST_SECONDS * 1000);
    // The countdown is longer than HOT_TTL_MS, and no track is left to keep the camera live in it:
    // only the rules' hot mark can.
    expect(countdown.length).toBeGreaterThan(10);
    expect(countdown.filter((c) => c.tracked > 0)).toEqual([]);
    expect(countdown.filter((c) => !c.live)).toEqual([]);
  });
});

import { parseCamera } from '@xl/config';
import type { ClipRequest, ClipResult } from '@xl/contracts';
import { segmentFileName, type ClipPlan, type RecordedSegment } from '@xl/media';
import { createLogger } from '@xl/observability';
import { RESULT_OUTBOX_MAX_AGE_MS, RESULT_OUTBOX_MAX_ENTRIES } from './clip-result-outbox';
import { ClipService, MAX_CUT_ATTEMPTS } from './clip-service';
import type { ClipRequestFeed, EvidenceWriter, Recorder } from './ports';

const log = createLogger('test', 'silent');
const T0 = 1_800_000_000_000;
const camera = parseCamera({ id: 'beach', url: 'rtsp://h/main', recording: { preSeconds: 10, postSeconds: 10, windowSeconds: 60, segmentSeconds: 2 } });

/** A recorder whose ring is back-to-back 2 s segments from `from` to `until`. */
class FakeRecorder implements Recorder {
  pins = new Map<string, number>();
  stopped = false;
  delaySeconds = 0;
  constructor(
    public from: number,
    public until: number,
  ) {}
  segments(): RecordedSegment[] {
    const out: RecordedSegment[] = [];
    for (let t = this.from; t + 2000 <= this.until; t += 2000) out.push({ file: `/rec/${segmentFileName(t, 2000)}`, startMs: t, durationMs: 2000 });
    return out;
  }
  get recordedUntil() {
    const s = this.segments();
    return s.length ? s[s.length - 1].startMs + 2000 : 0;
  }
  pin(key: string, fromMs: number) {
    this.pins.set(key, fromMs);
  }
  unpin(key: string) {
    this.pins.delete(key);
  }
  /** As the real recorder trims after each segment: what ended a window ago goes, unless pinned. */
  trim(now: number, windowMs: number) {
    const keepFrom = Math.min(now - windowMs, ...this.pins.values());
    while (this.from + 2000 <= keepFrom) this.from += 2000;
  }
  async start() {}
  async stop() {
    this.stopped = true;
  }
}

function setup(
  options: {
    recent?: ClipRequest[];
    existing?: string[];
    cutMs?: number;
    cut?: (path: string) => Promise<void>;
    snapshot?: (path: string) => void;
    /** The result stream (Redis): may fail. Default: appended to `results`. */
    publish?: (result: ClipResult) => Promise<void>;
  } = {},
) {
  let now = T0;
  const results: ClipResult[] = [];
  const cuts: Array<{ plan: ClipPlan; path: string }> = [];
  const snapshots: Array<{ segment: RecordedSegment; atMs: number }> = [];
  /** Files this process placed, by path → id; `existing` ones are another process's. */
  const placed = new Map<string, string>();
  const requests: ClipRequestFeed = { follow: async () => async () => undefined, since: async () => options.recent ?? [] };
  const writer: EvidenceWriter = {
    clipPath: (c, a) => `clips/${c}/${a}.mp4`,
    snapshotPath: (c, a) => `snapshots/${c}/${a}.jpg`,
    exists: async (p) => placed.has(p) || (options.existing ?? []).includes(p),
    placedId: async (p) => placed.get(p) ?? ((options.existing ?? []).includes(p) ? 'theirs' : null),
    cut: async (plan, path) => {
      cuts.push({ plan, path });
      await options.cut?.(path); // the test's ffmpeg: may fail, or take its time
      now += options.cutMs ?? 0; // the time ffmpeg takes
      const id = `ours-${cuts.length}`;
      placed.set(path, id);
      return { bytes: 1000, id };
    },
    snapshot: async (segment, atMs, path) => {
      options.snapshot?.(path); // while the snapshot is taken, the clip may be replaced
      snapshots.push({ segment, atMs });
      return 100;
    },
  };
  const service = new ClipService(
    { requests, results: { publish: options.publish ?? (async (r) => results.push(r)) }, writer, log, ingestId: 'ingest-a', now: () => now },
    { tickMs: 1000 },
  );
  return { service, results, cuts, snapshots, placed, advance: (ms: number) => (now += ms), at: () => now };
}

const request = (over: Partial<ClipRequest> = {}): ClipRequest => ({ alertId: 'a1', cameraId: 'beach', startedAt: T0, lastAt: T0, snapshotAt: T0 + 500, requestedAt: T0, ...over });

describe('ClipService', () => {
  it('cuts [start − pre, last + post] once a closed segment reaches the end, with a snapshot at the alert frame', async () => {
    const { service, results, cuts, snapshots, advance } = setup();
    const recorder = new FakeRecorder(T0 - 30_000, T0 + 5_000);
    await service.attach(camera, recorder);
    service.onRequest(request());
    expect(recorder.pins.get('a1')).toBe(T0 - 10_000); // the pre-roll stays on disk meanwhile
    await service.tick();
    expect(cuts).toHaveLength(0); // the post window has not passed
    recorder.until = T0 + 12_000;
    advance(12_000);
    await service.tick();
    expect(cuts).toHaveLength(1);
    expect(cuts[0].plan).toMatchObject({ clipFrom: T0 - 10_000, clipTo: T0 + 10_000, durationMs: 20_000, offsetMs: 0 });
    expect(snapshots[0].segment.startMs).toBe(T0);
    expect(results).toEqual([
      expect.objectContaining({ alertId: 'a1', status: 'complete', clipPath: 'clips/beach/a1.mp4', snapshotPath: 'snapshots/beach/a1.jpg', bytes: 1100, ingestId: 'ingest-a' }),
    ]);
    expect(results[0].reason).toBeUndefined();
  });

  it('extends the same clip when the alert is updated (zone_enter, then vanish_in_water)', async () => {
    const { service, results, cuts, advance } = setup();
    const recorder = new FakeRecorder(T0 - 30_000, T0 + 12_000);
    await service.attach(camera, recorder);
    service.onRequest(request());
    advance(12_000);
    await service.tick();
    service.onRequest(request({ lastAt: T0 + 6_000, snapshotAt: T0 + 6_000, requestedAt: T0 + 12_000 }));
    recorder.until = T0 + 18_000;
    advance(6_000);
    await service.tick();
    expect(cuts.map((c) => [c.path, c.plan.clipFrom - T0, c.plan.clipTo - T0])).toEqual([
      ['clips/beach/a1.mp4', -10_000, 10_000],
      ['clips/beach/a1.mp4', -10_000, 16_000],
    ]);
    expect(results.map((r) => r.requestedTo - T0)).toEqual([10_000, 16_000]);
  });

  describe('an update long after the first cut (a person enters the water, swims, goes under minutes later)', () => {
    /** The camera recording live for `ms`: a segment, the ring trimmed and a tick every 2 s. */
    async function recordLive(s: ReturnType<typeof setup>, recorder: FakeRecorder, ms: number) {
      for (let left = ms; left > 0; left -= 2_000) {
        s.advance(2_000);
        recorder.until = s.at();
        recorder.trim(s.at(), camera.recording.windowSeconds * 1000);
        await s.service.tick();
      }
    }

    it("re-cuts one clip from the alert's start while its segments are held (holdSeconds, 300 s by default)", async () => {
      const s = setup();
      const recorder = new FakeRecorder(T0 - 60_000, T0);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request()); // zone_enter
      await recordLive(s, recorder, 12_000);
      expect(s.cuts).toHaveLength(1);
      const cutAt = s.results[0].at;
      await recordLive(s, recorder, cutAt + 120_000 - s.at()); // two windows
      expect(recorder.pins.get('a1')).toBe(T0 - 10_000);
      const goneUnder = s.at();
      s.service.onRequest(request({ lastAt: goneUnder, snapshotAt: goneUnder, requestedAt: goneUnder })); // vanish_in_water
      await recordLive(s, recorder, 12_000);
      expect(s.cuts.map((c) => [c.path, c.plan.clipFrom - T0, c.plan.clipTo - T0, c.plan.startedLate])).toEqual([
        ['clips/beach/a1.mp4', -10_000, 10_000, false],
        ['clips/beach/a1.mp4', -10_000, goneUnder - T0 + 10_000, false],
      ]);
      expect(s.results.map((r) => r.status)).toEqual(['complete', 'complete']);
    });

    it('forgets and unpins the clip holdSeconds after its latest request or cut; a later update starts where the ring does', async () => {
      const s = setup();
      const recorder = new FakeRecorder(T0 - 60_000, T0);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request());
      await recordLive(s, recorder, 12_000);
      const cutAt = s.results[0].at;
      await recordLive(s, recorder, cutAt + camera.recording.holdSeconds * 1000 - s.at());
      expect(recorder.pins.has('a1')).toBe(true); // held until holdSeconds after the cut (later than the request)
      await recordLive(s, recorder, 2_000);
      expect(recorder.pins.has('a1')).toBe(false);
      await recordLive(s, recorder, 10_000); // the ring lets the start go
      const goneUnder = s.at();
      s.service.onRequest(request({ lastAt: goneUnder, snapshotAt: goneUnder, requestedAt: goneUnder }));
      await recordLive(s, recorder, 12_000);
      // The known limit: the latest footage is cut, over the complete clip, without the start.
      expect(s.cuts.map((c) => c.plan.startedLate)).toEqual([false, true]);
      expect(s.results[1]).toMatchObject({ status: 'truncated', reason: 'recording_started_late', clipPath: 'clips/beach/a1.mp4' });
    });

    it('keeps at most windowSeconds + holdSeconds of an alert updated again and again, so it never fills the disk', async () => {
      const s = setup();
      const recorder = new FakeRecorder(T0 - 60_000, T0);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request());
      const limitMs = (camera.recording.windowSeconds + camera.recording.holdSeconds) * 1000;
      for (let minute = 1; minute <= 10; minute++) {
        await recordLive(s, recorder, 60_000);
        s.service.onRequest(request({ lastAt: s.at(), snapshotAt: s.at(), requestedAt: s.at() })); // a moored boat's update
      }
      await recordLive(s, recorder, 12_000);
      expect(s.at() - recorder.from).toBeLessThanOrEqual(limitMs + 2_000);
      expect(recorder.pins.get('a1')).toBeGreaterThanOrEqual(s.at() - limitMs - 2_000);
      expect(s.cuts.at(-1)?.plan.startedLate).toBe(true); // the clip of a 10-minute alert starts 6 minutes back
    });

    it("plans a long alert's clip from the oldest recording kept, not from segments the next trim deletes", async () => {
      const s = setup();
      // Not trimmed since the pin last moved: the ring still holds the alert's start.
      const recorder = new FakeRecorder(T0 - 20_000, T0 + 392_000);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request({ lastAt: T0 + 380_000, snapshotAt: T0 + 380_000, requestedAt: T0 + 380_000 }));
      s.advance(392_000);
      await s.service.tick();
      const pin = recorder.pins.get('a1')!;
      expect(pin).toBe(s.at() - (camera.recording.windowSeconds + camera.recording.holdSeconds) * 1000);
      const [{ plan }] = s.cuts;
      // Before: planned from T0 − 10 s, listing segments the recorder's next trim deletes under ffmpeg.
      expect(plan.segments.every((seg) => seg.startMs + seg.durationMs > pin)).toBe(true);
      expect(plan).toMatchObject({ clipFrom: pin, clipTo: T0 + 390_000, durationMs: T0 + 390_000 - pin });
      expect(s.results[0]).toMatchObject({ status: 'truncated', reason: 'recording_started_late', requestedFrom: T0 - 10_000, clipFrom: pin });
    });

    it('with holdSeconds 0, still holds the clip one window after its cut', async () => {
      const s = setup();
      const recorder = new FakeRecorder(T0 - 60_000, T0);
      await s.service.attach({ ...camera, recording: { ...camera.recording, holdSeconds: 0 } }, recorder);
      s.service.onRequest(request());
      await recordLive(s, recorder, 12_000);
      await recordLive(s, recorder, s.results[0].at + camera.recording.windowSeconds * 1000 - s.at());
      expect(recorder.pins.has('a1')).toBe(true);
      await recordLive(s, recorder, 2_000);
      expect(recorder.pins.has('a1')).toBe(false);
    });
  });

  it('a camera that went offline mid-clip gives a shorter clip, flagged, after a grace period', async () => {
    const { service, results, cuts, advance } = setup();
    const recorder = new FakeRecorder(T0 - 30_000, T0 + 4_000); // nothing after +4 s
    await service.attach(camera, recorder);
    service.onRequest(request());
    advance(12_000);
    await service.tick();
    expect(cuts).toHaveLength(0); // still waiting: the recorder may be catching up
    advance(10_000); // post window + 2 segments + stallSeconds (6 s) passed
    await service.tick();
    expect(cuts[0].plan).toMatchObject({ clipTo: T0 + 4_000, durationMs: 14_000 });
    expect(results[0]).toMatchObject({ status: 'truncated', reason: 'camera_offline', clipFrom: T0 - 10_000, clipTo: T0 + 4_000 });
  });

  it('reports the recorded time of a clip with holes as its durationMs, not clipTo − clipFrom', async () => {
    const { service, results, cuts, advance } = setup();
    const recorder = new FakeRecorder(T0 - 30_000, T0 + 12_000);
    const ring = recorder.segments.bind(recorder);
    recorder.segments = () => ring().filter((seg) => seg.startMs < T0 || seg.startMs >= T0 + 4_000); // offline for 4 s
    await service.attach(camera, recorder);
    service.onRequest(request());
    advance(12_000);
    await service.tick();
    expect(cuts[0].plan.durationMs).toBe(16_000);
    expect(results[0]).toMatchObject({ status: 'truncated', reason: 'camera_offline', clipFrom: T0 - 10_000, clipTo: T0 + 10_000, durationMs: 16_000 });
  });

  it('waits the longer for a recording that arrives late, and cuts it whole', async () => {
    const { service, results, cuts, advance } = setup();
    const recorder = new FakeRecorder(T0 - 30_000, T0 - 8_000); // on disk 12 s after it happened
    recorder.delaySeconds = 12;
    await service.attach(camera, recorder);
    service.onRequest(request());
    advance(20_000); // post window + 2 segments + stallSeconds passed: a camera that stopped would be cut now
    recorder.until = T0 + 8_000;
    await service.tick();
    expect(cuts).toHaveLength(0);
    advance(4_000);
    recorder.until = T0 + 12_000; // the recording reached the end of the window
    await service.tick();
    expect(cuts[0].plan).toMatchObject({ clipTo: T0 + 10_000, durationMs: 20_000 });
    expect(results[0]).toMatchObject({ status: 'complete' });
  });

  it('reports a recording that began after the pre-roll, and a window with nothing recorded', async () => {
    const { service, results, advance } = setup();
    await service.attach(camera, new FakeRecorder(T0 - 4_000, T0 + 20_000));
    service.onRequest(request());
    service.onRequest(request({ alertId: 'a2', startedAt: T0 - 50_000, lastAt: T0 - 50_000 }));
    advance(12_000);
    await service.tick();
    expect(results.find((r) => r.alertId === 'a1')).toMatchObject({ status: 'truncated', reason: 'recording_started_late' });
    expect(results.find((r) => r.alertId === 'a2')).toMatchObject({ status: 'unavailable', reason: 'no_segments', bytes: 0 });
  });

  it('answers for a camera that does not record, and ignores cameras it does not own', async () => {
    const { service, results, advance } = setup();
    await service.attach({ ...camera, recording: { ...camera.recording, enabled: false } }, null);
    service.onRequest(request());
    service.onRequest(request({ alertId: 'other', cameraId: 'elsewhere' }));
    advance(30_000);
    await service.tick();
    expect(results).toEqual([expect.objectContaining({ alertId: 'a1', status: 'unavailable', reason: 'recording_disabled' })]);
  });

  it('hands over: stops the recorder, then cuts what is pending from what was recorded', async () => {
    const { service, results, cuts } = setup();
    const recorder = new FakeRecorder(T0 - 30_000, T0 + 4_000);
    await service.attach(camera, recorder);
    service.onRequest(request());
    await service.detach(camera);
    expect(recorder.stopped).toBe(true);
    expect(cuts).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'truncated', reason: 'handover', clipTo: T0 + 4_000 });
    service.onRequest(request({ alertId: 'a3' }));
    await service.tick();
    expect(results).toHaveLength(1); // no longer ours
  });

  it("taking a camera over, picks up its recent requests unless the previous owner's clip exists", async () => {
    const recent = [request({ alertId: 'done' }), request({ alertId: 'orphan' }), request({ alertId: 'x', cameraId: 'other' })];
    const { service, results, advance } = setup({ recent, existing: ['clips/beach/done.mp4'] });
    await service.attach(camera, new FakeRecorder(T0 - 2_000, T0 + 12_000));
    advance(12_000);
    await service.tick();
    expect(results.map((r) => [r.alertId, r.status, r.reason])).toEqual([['orphan', 'truncated', 'recording_started_late']]);
  });
  it('stamps a result when its file is in place, not when cutting began', async () => {
    const { service, results, advance } = setup({ cutMs: 9_000 });
    await service.attach(camera, new FakeRecorder(T0 - 30_000, T0 + 12_000));
    service.onRequest(request());
    advance(12_000);
    await service.tick();
    expect(results[0].at).toBe(T0 + 21_000);
  });

  it("hands a camera over without waiting for a clip being cut, and a restarted camera's new attachment stays", async () => {
    const { service, results } = setup({ recent: [request()] });
    const first = new FakeRecorder(T0 - 30_000, T0 + 4_000);
    await service.attach(camera, first);
    service.onRequest(request());
    const restarted = { ...camera }; // the same camera, attached again by its new pipeline
    const handover = service.detach(camera);
    await service.attach(restarted, new FakeRecorder(T0, T0 + 4_000));
    await handover;
    expect(results.map((r) => [r.alertId, r.reason])).toEqual([['a1', 'handover']]); // not taken over again
    await service.detach(camera); // that attachment is gone already: the new one stays
    service.onRequest(request({ alertId: 'a2' }));
    await service.detach(restarted);
    expect(results.map((r) => r.alertId)).toEqual(['a1', 'a2']);
  });

  describe("two owners cutting the same clip at once (the previous one at its hand-over, the new one taking the request over)", () => {
    it("publishes no result when the other owner's file replaced ours before the result went out", async () => {
      const existing: string[] = [];
      const replaced = { by: (path: string) => void path };
      const { service, results, cuts, placed } = setup({ recent: [request({ alertId: 'both' })], existing, snapshot: () => replaced.by('clips/beach/both.mp4') });
      // Our rename happened; the previous owner's (a longer clip, with the event's start) lands right after.
      replaced.by = (path) => {
        placed.delete(path);
        existing.push(path);
      };
      await service.attach(camera, new FakeRecorder(T0 - 2_000, T0 + 12_000));
      await service.tick();
      expect(cuts).toHaveLength(1);
      expect(results).toEqual([]); // 'recording_started_late' would describe a file that is not there
    });

    it("a failed cut of a clip whose file is on disk (the other owner's) publishes no cut_failed over it", async () => {
      const existing: string[] = [];
      const { service, results } = setup({
        recent: [request({ alertId: 'both' })],
        existing,
        cut: async (path) => {
          existing.push(path); // the other owner's rename...
          throw new Error(`ENOENT: no such file or directory, rename '${path}.part'`); // ...and ours failing
        },
      });
      await service.attach(camera, new FakeRecorder(T0 - 2_000, T0 + 12_000));
      await service.tick();
      await service.tick();
      expect(results).toEqual([]);
    });

    it('publishes its result while its own file stands', async () => {
      const { service, results } = setup({ recent: [request({ alertId: 'mine' })] });
      await service.attach(camera, new FakeRecorder(T0 - 2_000, T0 + 12_000));
      await service.tick();
      expect(results.map((r) => [r.alertId, r.status, r.reason])).toEqual([['mine', 'truncated', 'recording_started_late']]);
    });
  });

  it("keeps a hand-over clip's segments in the camera's next recorder (a configuration restart) until that clip is cut", async () => {
    let finishCut!: () => void;
    const cutHeld = new Promise<void>((resolve) => (finishCut = resolve));
    const { service, results } = setup({ cut: () => cutHeld });
    const first = new FakeRecorder(T0 - 30_000, T0 + 4_000);
    await service.attach(camera, first);
    service.onRequest(request());
    const handover = service.detach(camera);
    const next = new FakeRecorder(T0 - 30_000, T0 + 4_000);
    service.keepHandoverSegments('beach', next); // before the next recorder's first trim
    expect(next.pins).toEqual(new Map([['handover:a1', T0 - 10_000]]));
    await service.attach({ ...camera, recording: { ...camera.recording, windowSeconds: 10 } }, next);
    service.onRequest(request({ alertId: 'a2' })); // its own pins are its own
    finishCut();
    await handover;
    expect(results.map((r) => [r.alertId, r.reason])).toEqual([['a1', 'handover']]);
    expect([...next.pins.keys()]).toEqual(['a2']);
    const later = new FakeRecorder(T0, T0 + 4_000);
    service.keepHandoverSegments('beach', later); // nothing left to keep
    expect(later.pins.size).toBe(0);
  });

  it("leaves a taken-over request alone when the previous owner's hand-over clip arrives before ours is due", async () => {
    const existing: string[] = [];
    const { service, results, cuts, advance } = setup({ recent: [request({ alertId: 'late' })], existing });
    const recorder = new FakeRecorder(T0 - 2_000, T0 + 4_000);
    await service.attach(camera, recorder);
    expect(recorder.pins.has('late')).toBe(true); // taken over: nothing on disk yet
    existing.push('clips/beach/late.mp4'); // the previous owner's hand-over cut finished
    recorder.until = T0 + 12_000;
    advance(12_000);
    await service.tick();
    expect(cuts).toEqual([]);
    expect(results).toEqual([]);
    expect(recorder.pins.has('late')).toBe(false);
  });

  it("leaves the previous owner's hand-over clip alone also when the taken-over request was updated meanwhile", async () => {
    const existing: string[] = [];
    const { service, results, cuts, advance } = setup({ recent: [request({ alertId: 'late' })], existing });
    const recorder = new FakeRecorder(T0 - 2_000, T0 + 4_000);
    await service.attach(camera, recorder);
    service.onRequest(request({ alertId: 'late', lastAt: T0 + 2_000, snapshotAt: T0 + 2_000, requestedAt: T0 + 2_000 }));
    existing.push('clips/beach/late.mp4'); // the previous owner's hand-over cut finished
    recorder.until = T0 + 14_000;
    advance(14_000);
    await service.tick();
    expect(cuts).toEqual([]);
    expect(results).toEqual([]);
    expect(recorder.pins.has('late')).toBe(false);
  });

  it('taking a camera over, keeps the latest of several recent requests of one alert (zone_enter, then vanish_in_water)', async () => {
    const enter = request();
    const vanish = request({ lastAt: T0 + 30_000, snapshotAt: T0 + 30_000, requestedAt: T0 + 30_000 });
    const s = setup({ recent: [enter, vanish, request({ alertId: 'a2' })] });
    s.advance(50_000); // ingest restarted on the same host; its directory still holds the segments
    const recorder = new FakeRecorder(T0 - 20_000, T0 + 50_000);
    await s.service.attach(camera, recorder);
    await s.service.tick();
    expect(s.cuts).toHaveLength(2);
    const a1 = s.results.find((r) => r.alertId === 'a1');
    expect(a1?.requestedTo).toBe(T0 + 40_000); // the going-under is in the clip
    expect(s.cuts.find((c) => c.path === 'clips/beach/a1.mp4')?.plan.clipTo).toBe(T0 + 40_000);
    expect(s.snapshots.find((x) => x.atMs === T0 + 30_000)?.segment.startMs).toBe(T0 + 30_000);
    expect(s.results.find((r) => r.alertId === 'a2')?.requestedTo).toBe(T0 + 10_000);
  });

  it('taking a camera over, leaves alone the recent requests of alerts it already knew', async () => {
    const recent: ClipRequest[] = [];
    const s = setup({ recent });
    const first = new FakeRecorder(T0 - 30_000, T0 + 4_000);
    await s.service.attach(camera, first);
    s.service.onRequest(request()); // known, and handed over below
    // Read back when the camera is attached again: the hand-over cuts a1 from what it knew.
    recent.push(request({ lastAt: T0 + 30_000, snapshotAt: T0 + 30_000, requestedAt: T0 + 30_000 }));
    const handover = s.service.detach(camera);
    await s.service.attach({ ...camera }, new FakeRecorder(T0, T0 + 50_000));
    await handover;
    expect(s.results.map((r) => [r.alertId, r.reason, r.requestedTo])).toEqual([['a1', 'handover', T0 + 10_000]]);
  });

  describe('a result whose publish failed (Redis away for longer than its retries)', () => {
    const redisAway = () => new Error('Reached the max retries per request limit (which is 20)');

    /** A service whose results go to a Redis that is away while `redis.away`: every try counted, what went through kept. */
    function setupWithRedisAway() {
      const redis = { away: true, tries: 0, results: [] as ClipResult[], attempts: [] as ClipResult[] };
      const s = setup({
        publish: async (r) => {
          redis.tries++;
          redis.attempts.push(r);
          if (redis.away) throw redisAway();
          redis.results.push(r);
        },
      });
      return { s, redis, results: redis.results };
    }

    it('publishes it again on a later tick', async () => {
      const { s, redis, results } = setupWithRedisAway();
      const recorder = new FakeRecorder(T0 - 30_000, T0 + 12_000);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request());
      s.advance(12_000);
      await s.service.tick(); // cut, publish fails
      expect(s.cuts).toHaveLength(1);
      redis.away = false; // Redis is back
      for (let i = 0; i < 20; i++) {
        s.advance(1_000);
        await s.service.tick();
      }
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ alertId: 'a1', status: 'complete', clipPath: 'clips/beach/a1.mp4', snapshotPath: 'snapshots/beach/a1.jpg' });
      expect(s.cuts).toHaveLength(1); // published again, not cut again
    });

    it('stamps the re-published result anew, and drops it once its clip is no longer the one at its path', async () => {
      const { s, redis, results } = setupWithRedisAway();
      await s.service.attach(camera, new FakeRecorder(T0 - 30_000, T0 + 12_000));
      s.service.onRequest(request());
      s.service.onRequest(request({ alertId: 'a2' }));
      s.advance(12_000);
      await s.service.tick();
      const firstAt = redis.attempts[0].at;
      s.placed.delete('clips/beach/a2.mp4'); // the other owner's cut of a2 replaced ours (its result stands)
      redis.away = false;
      s.advance(30_000);
      await s.service.tick();
      expect(results.map((r) => r.alertId)).toEqual(['a1']);
      // Later than the no_answer alerts-api may have stamped meanwhile, and after the check that the file stands.
      expect(results[0].at).toBe(s.at());
      expect(results[0].at).toBeGreaterThan(firstAt);
      s.advance(60_000);
      await s.service.tick();
      expect(results).toHaveLength(1);
    });

    it('keeps a hand-over result past the detach: a later tick or stop() publishes it', async () => {
      const { s, redis, results } = setupWithRedisAway();
      await s.service.attach(camera, new FakeRecorder(T0 - 30_000, T0 + 4_000));
      s.service.onRequest(request());
      s.service.onRequest(request({ alertId: 'a2' }));
      await s.service.detach(camera); // fenced during the outage: both cut as hand-overs
      expect(s.cuts).toHaveLength(2);
      expect(redis.tries).toBe(1); // a2's result kept at once: no second wait on a Redis known to be away
      redis.away = false;
      await s.service.stop(); // before the next tick
      expect(results.map((r) => [r.alertId, r.reason])).toEqual([
        ['a1', 'handover'],
        ['a2', 'handover'],
      ]);
    });

    it('a newer result of the alert replaces the kept one', async () => {
      const { s, redis, results } = setupWithRedisAway();
      const recorder = new FakeRecorder(T0 - 30_000, T0 + 12_000);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request());
      s.advance(12_000);
      await s.service.tick();
      s.service.onRequest(request({ lastAt: T0 + 6_000, snapshotAt: T0 + 6_000, requestedAt: T0 + 12_000 }));
      recorder.until = T0 + 18_000;
      s.advance(6_000);
      redis.away = false;
      for (let i = 0; i < 40; i++) {
        await s.service.tick();
        s.advance(1_000);
      }
      expect(results.map((r) => r.requestedTo - T0)).toEqual([16_000]);
    });

    it('retries with a back-off while Redis stays away', async () => {
      const { s, redis } = setupWithRedisAway();
      await s.service.attach(camera, new FakeRecorder(T0 - 30_000, T0 + 12_000));
      s.service.onRequest(request());
      s.advance(12_000);
      for (let i = 0; i < 240; i++) {
        await s.service.tick();
        s.advance(500); // ingest's tick
      }
      expect(redis.tries).toBeGreaterThan(3);
      expect(redis.tries).toBeLessThan(15); // 2 minutes: not one XADD per tick
      redis.away = false;
      redis.tries = 0;
      for (let i = 0; i < 62; i++) {
        await s.service.tick();
        s.advance(500);
      }
      expect(redis.tries).toBe(1); // within the longest back-off (30 s), once
    });

    it('gives a result up, with an error naming it, once it is a day old', async () => {
      const errors = jest.spyOn(log, 'error');
      try {
        const { s, redis } = setupWithRedisAway();
        await s.service.attach(camera, new FakeRecorder(T0 - 30_000, T0 + 12_000));
        s.service.onRequest(request());
        s.advance(12_000);
        await s.service.tick();
        s.advance(RESULT_OUTBOX_MAX_AGE_MS + 1_000);
        await s.service.tick();
        redis.tries = 0;
        s.advance(60_000);
        await s.service.tick();
        expect(redis.tries).toBe(0);
        expect(errors).toHaveBeenCalledWith(expect.objectContaining({ camera: 'beach', alertId: 'a1' }), expect.stringContaining('dropped'));
      } finally {
        errors.mockRestore();
      }
    });

    it(`keeps at most ${RESULT_OUTBOX_MAX_ENTRIES} results, dropping the oldest`, async () => {
      const { s, redis, results } = setupWithRedisAway();
      await s.service.attach({ ...camera, recording: { ...camera.recording, enabled: false } }, null);
      for (let i = 0; i <= RESULT_OUTBOX_MAX_ENTRIES; i++) s.service.onRequest(request({ alertId: `a${i}` }));
      s.advance(30_000);
      await s.service.tick();
      redis.away = false;
      s.advance(60_000);
      await s.service.tick();
      expect(results).toHaveLength(RESULT_OUTBOX_MAX_ENTRIES);
      expect(results.some((r) => r.alertId === 'a0')).toBe(false);
    });
  });

  describe('the high-resolution snapshot', () => {
    it('takes no high-resolution snapshot later than the alert frame', async () => {
      const s = setup();
      const recorder = new FakeRecorder(T0 + 6_000, T0 + 20_000); // the ring began 6 s after the alert frame (take-over, restart)
      await s.service.attach(camera, recorder);
      s.service.onRequest(request({ snapshotAt: T0 + 500 }));
      s.advance(20_000);
      await s.service.tick();
      expect(s.results[0]).toMatchObject({ status: 'truncated', reason: 'recording_started_late', clipPath: 'clips/beach/a1.mp4' });
      for (const snap of s.snapshots) expect(snap.segment.startMs).toBeLessThanOrEqual(T0 + 500);
      expect(s.results[0].snapshotPath).toBeUndefined();
      expect(s.results[0].bytes).toBe(1000);
    });

    it('takes it from the first segment when that starts within the gap tolerance after the frame', async () => {
      const s = setup();
      await s.service.attach(camera, new FakeRecorder(T0 + 800, T0 + 20_000));
      s.service.onRequest(request({ snapshotAt: T0 + 500 }));
      s.advance(20_000);
      await s.service.tick();
      expect(s.snapshots.map((x) => x.segment.startMs)).toEqual([T0 + 800]);
      expect(s.results[0].snapshotPath).toBe('snapshots/beach/a1.jpg');
    });
  });

  describe('a cut that failed', () => {
    it('is cut again on a later tick while its segments are pinned (no space left, freed by retention)', async () => {
      let failing = true;
      const s = setup({
        cut: async () => {
          if (failing) throw new Error('cutting clip a1.mp4 failed (exit code 1): No space left on device');
        },
      });
      const recorder = new FakeRecorder(T0 - 30_000, T0 + 12_000);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request());
      s.advance(12_000);
      await s.service.tick();
      expect(s.results.map((r) => [r.status, r.reason])).toEqual([['unavailable', 'cut_failed']]);
      expect(recorder.pins.get('a1')).toBe(T0 - 10_000);
      await s.service.tick();
      expect(s.cuts).toHaveLength(1); // not at once
      failing = false;
      for (let i = 0; i < 30 && s.cuts.length < 2; i++) {
        s.advance(1_000);
        await s.service.tick();
      }
      expect(s.cuts).toHaveLength(2);
      expect(s.results.map((r) => [r.status, r.reason])).toEqual([
        ['unavailable', 'cut_failed'],
        ['complete', undefined],
      ]);
      expect(s.results[1].at).toBeGreaterThan(s.results[0].at);
    });

    it(`is given up after ${MAX_CUT_ATTEMPTS} attempts, and forgotten after its hold`, async () => {
      const s = setup({
        cut: async () => {
          throw new Error('cutting clip a1.mp4 failed (killed by SIGKILL)');
        },
      });
      const recorder = new FakeRecorder(T0 - 30_000, T0 + 12_000);
      await s.service.attach(camera, recorder);
      s.service.onRequest(request());
      s.advance(12_000);
      for (let i = 0; i < 600; i++) {
        await s.service.tick();
        s.advance(1_000);
      }
      expect(s.cuts).toHaveLength(MAX_CUT_ATTEMPTS);
      expect(s.results.every((r) => r.reason === 'cut_failed')).toBe(true);
      expect(recorder.pins.has('a1')).toBe(false);
    });

    it('at a hand-over is not tried again', async () => {
      const s = setup({
        cut: async () => {
          throw new Error('No space left on device');
        },
      });
      await s.service.attach(camera, new FakeRecorder(T0 - 30_000, T0 + 4_000));
      s.service.onRequest(request());
      await s.service.detach(camera);
      s.advance(120_000);
      await s.service.tick();
      expect(s.cuts).toHaveLength(1);
      expect(s.results.map((r) => r.reason)).toEqual(['cut_failed']);
    });
  });
});

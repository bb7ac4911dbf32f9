import {
  expiredSegments,
  parseSegmentFileName,
  parseSegmentLogLine,
  planClip,
  segmentFileName,
  StreamClock,
  type RecordedSegment,
} from './recording-segments';

const seg = (startMs: number, durationMs = 2000): RecordedSegment => ({ file: `/r/${segmentFileName(startMs, durationMs)}`, startMs, durationMs });
/** Back-to-back 2 s segments from t0. */
const run = (t0: number, count: number) => Array.from({ length: count }, (_, i) => seg(t0 + i * 2000));

describe('segment file names', () => {
  it('carry start and length, and nothing else parses', () => {
    expect(segmentFileName(1795991870123, 1999.6)).toBe('1795991870123-2000.ts');
    expect(parseSegmentFileName('1795991870123-2000.ts')).toEqual({ startMs: 1795991870123, durationMs: 2000 });
    expect(parseSegmentFileName('part-1-000003.ts')).toBeNull();
    expect(parseSegmentFileName('1795991870123-2000.ts.part')).toBeNull();
    expect(parseSegmentFileName('../1795991870123-2000.ts')).toBeNull();
  });
});

describe('parseSegmentLogLine', () => {
  it("reads the segment muxer's start and end lines", () => {
    expect(parseSegmentLogLine("[segment @ 0x55f5541c0f80] segment:'/rec/c/part-1-000001.ts' starts with packet stream:0 pts:356400 pts_time:3.96 frame:100")).toEqual({
      kind: 'start',
      file: '/rec/c/part-1-000001.ts',
      ptsSeconds: 3.96,
    });
    expect(parseSegmentLogLine("[segment @ 0x55f5541c0f80] segment:'/rec/c/part-1-000000.ts' count:0 ended")).toEqual({ kind: 'end', file: '/rec/c/part-1-000000.ts' });
    expect(parseSegmentLogLine("[segment @ 0x1] Opening '/rec/c/part-1-000002.ts' for writing")).toBeNull();
    expect(parseSegmentLogLine('Stream #0:0: Video: h264 (Main), 1280x720')).toBeNull();
  });
});

describe('StreamClock', () => {
  it('keeps the least delayed observation', () => {
    const clock = new StreamClock();
    expect(clock.known).toBe(false);
    clock.observe(10_050, 0); // line arrived 50 ms late
    clock.observe(12_010, 2); // 10 ms late: better
    clock.observe(14_300, 4); // event loop busy: ignored
    expect(clock.wallMs(4)).toBe(14_010);
    expect(clock.wallMs(0)).toBe(10_010);
  });
});

describe('planClip', () => {
  const t0 = 1_000_000;
  const ring = run(t0, 15); // 30 s: [t0, t0 + 30 s)

  it('starts on the segment holding the start (its keyframe is before it) and hides the pre-roll', () => {
    const plan = planClip(ring, t0 + 5_300, t0 + 25_300, 200)!;
    expect(plan.segments[0].startMs).toBe(t0 + 4_000);
    expect(plan.offsetMs).toBe(1_300);
    expect(plan.durationMs).toBe(20_000);
    expect(plan.segments[plan.segments.length - 1].startMs).toBe(t0 + 24_000);
    expect(plan).toMatchObject({ clipFrom: t0 + 5_300, clipTo: t0 + 25_300, startedLate: false, endedEarly: false, gaps: false });
  });

  it('is shorter and says so when the recording began after the start or ended before the end', () => {
    const late = planClip(ring, t0 - 10_000, t0 + 10_000, 200)!;
    expect(late).toMatchObject({ clipFrom: t0, offsetMs: 0, durationMs: 10_000, startedLate: true, endedEarly: false });
    const early = planClip(ring, t0 + 20_000, t0 + 40_000, 200)!;
    expect(early).toMatchObject({ clipTo: t0 + 30_000, durationMs: 10_000, startedLate: false, endedEarly: true });
  });

  it('counts only recorded time across a hole (camera offline) and flags it', () => {
    const holed = [...run(t0, 3), ...run(t0 + 16_000, 3)]; // [t0, t0+6 s) and [t0+16 s, t0+22 s)
    const plan = planClip(holed, t0 + 1_000, t0 + 21_000, 200)!;
    expect(plan.durationMs).toBe(5_000 + 5_000);
    expect(plan).toMatchObject({ gaps: true, endedEarly: true, clipFrom: t0 + 1_000, clipTo: t0 + 21_000 });
  });

  it('is null when nothing was recorded in the window, and refuses an empty window', () => {
    expect(planClip(ring, t0 + 60_000, t0 + 80_000, 200)).toBeNull();
    expect(() => planClip(ring, t0, t0, 200)).toThrow(/must be after/);
  });
});

describe('expiredSegments', () => {
  const t0 = 1_000_000;
  const ring = run(t0, 10); // ends at t0 + 20 s

  it('keeps the window', () => {
    const gone = expiredSegments(ring, t0 + 30_000, 15_000);
    // segments ending at or before now − 15 s = t0 + 15 s: the first 7 (ends t0+2 … t0+14 s)
    expect(gone.map((s) => s.startMs - t0)).toEqual([0, 2000, 4000, 6000, 8000, 10000, 12000]);
  });

  it('keeps what a pending clip still needs', () => {
    expect(expiredSegments(ring, t0 + 30_000, 15_000, t0 + 5_000).map((s) => s.startMs - t0)).toEqual([0, 2000]);
  });
});

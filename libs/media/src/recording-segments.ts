// What the recorder knows about its segments, without touching the disk: file names that carry the
// wall-clock start and length, the segment muxer's log lines, the stream-time → wall-clock mapping,
// which segments a clip needs and which ones have left the window.

/** A closed segment of the ring buffer. Starts on a keyframe. */
export interface RecordedSegment {
  /** Absolute path. */
  file: string;
  /** Wall-clock epoch ms of its first frame. */
  startMs: number;
  durationMs: number;
}

export const segmentEnd = (s: RecordedSegment): number => s.startMs + s.durationMs;

const SEGMENT_FILE = /^(\d{10,15})-(\d{1,9})\.ts$/;

/** `<start epoch ms>-<duration ms>.ts`: the directory is the index, and survives a restart. */
export function segmentFileName(startMs: number, durationMs: number): string {
  return `${Math.round(startMs)}-${Math.max(0, Math.round(durationMs))}.ts`;
}

export function parseSegmentFileName(name: string): { startMs: number; durationMs: number } | null {
  const m = SEGMENT_FILE.exec(name);
  return m ? { startMs: Number(m[1]), durationMs: Number(m[2]) } : null;
}

export type SegmentLogLine = { kind: 'start'; file: string; ptsSeconds: number } | { kind: 'end'; file: string };

const STARTS = /segment:'(.+)' starts with packet stream:\d+ pts:-?\d+ pts_time:(-?[\d.]+)/;
const ENDED = /segment:'(.+)' count:\d+ ended/;

/** The segment muxer's verbose lines: "segment:'…' starts with packet … pts_time:3.96 …" and "… count:1 ended". */
export function parseSegmentLogLine(line: string): SegmentLogLine | null {
  const start = STARTS.exec(line);
  if (start) return { kind: 'start', file: start[1], ptsSeconds: Number(start[2]) };
  const end = ENDED.exec(line);
  return end ? { kind: 'end', file: end[1] } : null;
}

/**
 * Maps stream time (seconds) of one ffmpeg run to wall-clock ms. Each log line arrives some
 * milliseconds after its packet; the smallest (arrival − stream time) seen is the least delayed
 * observation, so it is the offset kept (as NTP keeps its best sample).
 */
export class StreamClock {
  private offsetMs = Infinity;

  observe(arrivalMs: number, ptsSeconds: number): void {
    this.offsetMs = Math.min(this.offsetMs, arrivalMs - ptsSeconds * 1000);
  }

  get known(): boolean {
    return Number.isFinite(this.offsetMs);
  }

  wallMs(ptsSeconds: number): number {
    if (!this.known) throw new Error('stream clock: no observation yet');
    return Math.round(this.offsetMs + ptsSeconds * 1000);
  }
}

export interface ClipPlan {
  /** Segments to concatenate, in order; the first starts on a keyframe at or before `clipFrom`. */
  segments: RecordedSegment[];
  /** Presentation start, ms after the first segment's start (the pre-roll before it is hidden). */
  offsetMs: number;
  /** Presentation length, ms. */
  durationMs: number;
  /** Wall-clock window the clip shows. */
  clipFrom: number;
  clipTo: number;
  /** Recording began after the requested start. */
  startedLate: boolean;
  /** Recording stopped before the requested end, or had holes (camera offline). */
  endedEarly: boolean;
  gaps: boolean;
}

/**
 * The segments covering [from, to) and where in them the clip starts and ends. Null when none does.
 * `gapToleranceMs`: a larger hole between two segments is a recording gap (camera offline).
 */
export function planClip(segments: readonly RecordedSegment[], from: number, to: number, gapToleranceMs: number): ClipPlan | null {
  if (!(to > from)) throw new Error(`clip plan: to ${to} must be after from ${from}`);
  const used = [...segments].sort((a, b) => a.startMs - b.startMs).filter((s) => segmentEnd(s) > from && s.startMs < to && s.durationMs > 0);
  if (used.length === 0) return null;
  const first = used[0];
  const last = used[used.length - 1];
  const clipFrom = Math.max(from, first.startMs);
  const clipTo = Math.min(to, segmentEnd(last));
  let gaps = false;
  // The concatenation closes holes, so its length is the covered time, not clipTo − clipFrom.
  let covered = 0;
  for (let i = 0; i < used.length; i++) {
    const s = used[i];
    covered += Math.min(segmentEnd(s), to) - Math.max(s.startMs, from);
    if (i > 0 && s.startMs - segmentEnd(used[i - 1]) > gapToleranceMs) gaps = true;
  }
  return {
    segments: used,
    offsetMs: clipFrom - first.startMs,
    durationMs: Math.max(0, covered),
    clipFrom,
    clipTo,
    startedLate: first.startMs > from + gapToleranceMs,
    endedEarly: gaps || segmentEnd(last) < to - gapToleranceMs,
    gaps,
  };
}

/**
 * Segments that left the window (ended more than `windowMs` before `now`) and that no pending clip
 * still needs (`keepFromMs`: the earliest start of a pending clip, or Infinity).
 */
export function expiredSegments(segments: readonly RecordedSegment[], now: number, windowMs: number, keepFromMs = Infinity): RecordedSegment[] {
  const limit = Math.min(now - windowMs, keepFromMs);
  return segments.filter((s) => segmentEnd(s) <= limit);
}

// Evidence files from the ring buffer: a clip cut from segments without re-encoding, a keyframe as a
// high-resolution JPEG, a segment's length. Each file appears atomically (written aside, renamed).
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clipCutArgs, concatList, keyframeSnapshotArgs } from './recording-args';
import { assertSucceeded, runTool } from './recording-process';
import { segmentEnd, type ClipPlan, type RecordedSegment } from './recording-segments';

export interface EvidenceToolOptions {
  /** Default: $FFMPEG_PATH, else ffmpeg on the PATH. */
  ffmpegPath?: string;
  /** Default: $FFPROBE_PATH, else ffprobe on the PATH. */
  ffprobePath?: string;
  /** Longest a cut may run. Default 60 s. */
  timeoutMs?: number;
}

const ffmpegOf = (o: EvidenceToolOptions) => o.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
const ffprobeOf = (o: EvidenceToolOptions) => o.ffprobePath ?? process.env.FFPROBE_PATH ?? 'ffprobe';

/** Writes the planned clip to `output` (.mp4); resolves to its size in bytes. */
export async function cutClip(plan: ClipPlan, output: string, options: EvidenceToolOptions = {}): Promise<number> {
  await mkdir(path.dirname(output), { recursive: true });
  const partial = `${output}.part`;
  const listFile = `${output}.ffconcat`;
  try {
    await writeFile(listFile, concatList(plan.segments.map((s) => s.file)));
    const args = clipCutArgs({ listFile, offsetSeconds: plan.offsetMs / 1000, durationSeconds: plan.durationMs / 1000, output: partial });
    assertSucceeded(`cutting clip ${path.basename(output)}`, await runTool(ffmpegOf(options), args, options.timeoutMs ?? 60_000));
    await rename(partial, output);
    return (await stat(output)).size;
  } finally {
    await rm(listFile, { force: true });
    await rm(partial, { force: true });
  }
}

/** The last keyframe at or before `atMs` in `segment`, as a full-resolution JPEG; resolves to its size. */
export async function keyframeSnapshot(segment: RecordedSegment, atMs: number, output: string, options: EvidenceToolOptions = {}): Promise<number> {
  await mkdir(path.dirname(output), { recursive: true });
  const partial = `${output}.part.jpg`;
  try {
    const offsetSeconds = Math.max(0, Math.min(atMs, segmentEnd(segment)) - segment.startMs) / 1000;
    const args = keyframeSnapshotArgs({ segment: segment.file, offsetSeconds, output: partial });
    assertSucceeded(`snapshot ${path.basename(output)}`, await runTool(ffmpegOf(options), args, options.timeoutMs ?? 60_000));
    await rename(partial, output);
    return (await stat(output)).size;
  } finally {
    await rm(partial, { force: true });
  }
}

/** Length of a media file in ms (ffprobe's container duration), or null when it has none. */
export async function probeDurationMs(file: string, options: EvidenceToolOptions = {}): Promise<number | null> {
  const run = await runTool(ffprobeOf(options), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], options.timeoutMs ?? 10_000);
  const seconds = Number.parseFloat(run.stdout.trim());
  return run.code === 0 && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
}

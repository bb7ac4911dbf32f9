// Evidence files from the ring buffer: a clip cut from segments (re-encoded only when the camera does
// not record H.264), a keyframe as a high-resolution JPEG, a segment's length. Each file appears
// atomically (written aside under a name of its own, renamed).
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clipCutArgs, clipTranscodeArgs, concatList, keyframeSnapshotArgs } from './recording-args';
import { assertSucceeded, runTool } from './recording-process';
import { segmentEnd, type ClipPlan, type RecordedSegment } from './recording-segments';

export interface EvidenceToolOptions {
  /** Default: $FFMPEG_PATH, else ffmpeg on the PATH. */
  ffmpegPath?: string;
  /** Default: $FFPROBE_PATH, else ffprobe on the PATH. */
  ffprobePath?: string;
  /** Longest a cut may run. Default 60 s; 300 s when the clip is re-encoded. */
  timeoutMs?: number;
  /**
   * 'auto': a clip of a camera that records anything but H.264 (H.265 mostly) is re-encoded to H.264,
   * which every browser plays; 'never': always copied as recorded.
   * @defaultValue 'auto'
   */
  transcode?: 'auto' | 'never';
}

const ffmpegOf = (o: EvidenceToolOptions) => o.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg';
const ffprobeOf = (o: EvidenceToolOptions) => o.ffprobePath ?? process.env.FFPROBE_PATH ?? 'ffprobe';

/** A file renamed into place. */
export interface PlacedFile {
  bytes: number;
  /** Device and inode of the file (a rename keeps them): placedFileId() tells whether it is still the one there. */
  id: string;
}

/**
 * Beside `output`, a name no other cut uses: the camera's previous and new owner may cut the same clip
 * at once into the shared evidence directory, and with one name each would write into, rename or
 * delete the other's file.
 */
function asideOf(output: string, suffix: string): string {
  return `${output}.${process.pid}-${randomBytes(4).toString('hex')}${suffix}`;
}

const fileId = ({ dev, ino }: { dev: number; ino: number }) => `${dev}:${ino}`;

/** Id (see PlacedFile) of the file at `file` now, or null when there is none. */
export async function placedFileId(file: string): Promise<string | null> {
  try {
    return fileId(await stat(file));
  } catch {
    return null;
  }
}

/**
 * Writes the planned clip to `output` (.mp4), replacing what is there in one rename (a later cut of the
 * same clip replaces an earlier one whole; no reader ever sees half a file).
 */
export async function cutClip(plan: ClipPlan, output: string, options: EvidenceToolOptions = {}): Promise<PlacedFile> {
  await mkdir(path.dirname(output), { recursive: true });
  const partial = asideOf(output, '.part');
  const listFile = asideOf(output, '.ffconcat');
  try {
    await writeFile(listFile, concatList(plan.segments.map((s) => s.file)));
    // One probe of the first segment (a camera's codec does not change within a clip); unknown: copied.
    const codec = options.transcode === 'never' || !plan.segments.length ? null : await probeVideoCodec(plan.segments[0].file, options);
    const transcode = codec !== null && codec !== 'h264';
    const clip = { listFile, offsetSeconds: plan.offsetMs / 1000, durationSeconds: plan.durationMs / 1000, output: partial };
    const args = transcode ? clipTranscodeArgs(clip) : clipCutArgs(clip);
    const what = transcode ? `re-encoding clip ${path.basename(output)} from ${codec} to h264` : `cutting clip ${path.basename(output)}`;
    assertSucceeded(what, await runTool(ffmpegOf(options), args, options.timeoutMs ?? (transcode ? 300_000 : 60_000)));
    // Measured before the rename: once in place, another cut may replace it at any moment.
    const written = await stat(partial);
    await rename(partial, output);
    return { bytes: written.size, id: fileId(written) };
  } finally {
    await rm(listFile, { force: true });
    await rm(partial, { force: true });
  }
}

/** The last keyframe at or before `atMs` in `segment`, as a full-resolution JPEG; resolves to its size. */
export async function keyframeSnapshot(segment: RecordedSegment, atMs: number, output: string, options: EvidenceToolOptions = {}): Promise<number> {
  await mkdir(path.dirname(output), { recursive: true });
  const partial = asideOf(output, '.part.jpg');
  try {
    const offsetSeconds = Math.max(0, Math.min(atMs, segmentEnd(segment)) - segment.startMs) / 1000;
    const args = keyframeSnapshotArgs({ segment: segment.file, offsetSeconds, output: partial });
    assertSucceeded(`snapshot ${path.basename(output)}`, await runTool(ffmpegOf(options), args, options.timeoutMs ?? 60_000));
    const { size } = await stat(partial);
    await rename(partial, output);
    return size;
  } finally {
    await rm(partial, { force: true });
  }
}

/** The codec of a media file's first video stream as ffprobe names it (h264, hevc …), or null. */
export async function probeVideoCodec(file: string, options: EvidenceToolOptions = {}): Promise<string | null> {
  const run = await runTool(ffprobeOf(options), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file], options.timeoutMs ?? 10_000);
  const codec = run.stdout.trim().split('\n')[0]?.trim();
  return run.code === 0 && codec ? codec : null;
}

/** Length of a media file in ms (ffprobe's container duration), or null when it has none. */
export async function probeDurationMs(file: string, options: EvidenceToolOptions = {}): Promise<number | null> {
  const run = await runTool(ffprobeOf(options), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], options.timeoutMs ?? 10_000);
  const seconds = Number.parseFloat(run.stdout.trim());
  return run.code === 0 && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
}

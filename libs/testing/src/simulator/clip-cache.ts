import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How many extra copies `-stream_loop` must append so the file lasts at least `loopSeconds`. */
export function loopCount(clipSeconds: number, loopSeconds: number): number {
  if (!(clipSeconds > 0)) throw new Error(`clip duration must be > 0 s, got ${clipSeconds}`);
  return Math.max(0, Math.ceil(loopSeconds / clipSeconds) - 1);
}

/** Container duration in seconds, from ffprobe. */
export async function probeDurationSeconds(clip: string): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', clip]);
  const seconds = Number.parseFloat(stdout.trim());
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`ffprobe gave no duration for ${clip}: "${stdout.trim()}"`);
  return seconds;
}

// Parallel callers in this process share one ffmpeg run; other processes are covered by the atomic rename.
const inFlight = new Map<string, Promise<string>>();

/**
 * A copy of `clip` looped (without re-encoding) to at least `loopSeconds`, cached in `cacheDir` under a
 * name derived from the clip's path, size, mtime and loop count. Returns `clip` itself when it is long enough.
 */
export async function loopedClip(clip: string, loopSeconds: number, cacheDir: string): Promise<string> {
  const info = await stat(clip);
  if (!info.isFile()) throw new Error(`clip is not a file: ${clip}`);
  const loops = loopCount(await probeDurationSeconds(clip), loopSeconds);
  if (loops === 0) return clip;
  const key = createHash('sha1').update(JSON.stringify([path.resolve(clip), info.size, info.mtimeMs, loops])).digest('hex');
  const out = path.join(cacheDir, `${path.basename(clip, path.extname(clip))}-x${loops + 1}-${key.slice(0, 12)}.mp4`);
  let pending = inFlight.get(out);
  if (!pending) {
    pending = writeLooped(clip, loops, out).finally(() => inFlight.delete(out));
    inFlight.set(out, pending);
  }
  return pending;
}

async function writeLooped(clip: string, loops: number, out: string): Promise<string> {
  try {
    await stat(out);
    return out;
  } catch {
    // not cached yet
  }
  await mkdir(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.${randomBytes(4).toString('hex')}.tmp.mp4`;
  try {
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-stream_loop', String(loops), '-i', clip, '-map', '0', '-c', 'copy', '-f', 'mp4', tmp]);
    await rename(tmp, out);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new Error(`looping ${clip} ${loops + 1}x into ${out} failed: ${(err as Error).message}`);
  }
  return out;
}

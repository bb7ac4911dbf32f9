import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileFrameCommand, FrameReader, frameByteLength, toArgv } from '@xl/media';

const execFileAsync = promisify(execFile);

export interface FileFrame {
  /** Index of the sampled frame; its time in the clip is index / fps seconds. */
  index: number;
  data: Buffer;
}

/** Picture size of a clip's first video stream (ffprobe; a local file answers in milliseconds). */
export async function probeVideoSize(file: string): Promise<{ width: number; height: number }> {
  const { stdout } = await execFileAsync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', file]);
  const stream = (JSON.parse(stdout) as { streams?: { width: number; height: number }[] }).streams?.[0];
  if (!stream) throw new Error(`replay: ${file} has no video stream`);
  return { width: stream.width, height: stream.height };
}

/**
 * Sampled, letterboxed bgr24 frames of a local clip: the same ffmpeg filters ingest uses on a live
 * camera, so replay sees what the analyzer would have seen.
 */
export async function* readClipFrames(file: string, fps: number, width: number, height: number): AsyncGenerator<FileFrame> {
  const argv = toArgv(fileFrameCommand({ path: file, fps, width, height }));
  const child = spawn('ffmpeg', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr.push(text);
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const frames: Buffer[] = [];
  let index = 0;
  const reader = new FrameReader(frameByteLength(width, height), (frame) => frames.push(Buffer.from(frame)));
  try {
    for await (const chunk of child.stdout) {
      reader.push(chunk as Buffer);
      while (frames.length) yield { index: index++, data: frames.shift()! };
    }
    const code = await exited;
    if (code !== 0) throw new Error(`replay: ffmpeg exited with ${code} reading ${file}: ${stderr.join('').trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

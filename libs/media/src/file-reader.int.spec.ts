// Real ffmpeg through fluent-ffmpeg on a local clip: the command line, frame sizes, the source size
// from stderr and the end of a file source.
import { existsSync } from 'node:fs';
import { describeWithShared, sharedPath } from '@xl/testing';
import { CameraReader, type RawFrame } from './camera-reader';
import { fluentFfmpegLauncher } from './ffmpeg-process';
import { toArgv } from './ffmpeg-args';

describeWithShared(['media/clips/drowning_sub.mp4'])('CameraReader on a local clip (real ffmpeg)', () => {
  it('delivers letterboxed bgr24 frames at the sampled rate and ends', async () => {
    const clip = sharedPath('media/clips/drowning_sub.mp4')!;
    let commandLine = '';
    const reader = new CameraReader({
      cameraId: 'file-1',
      source: { kind: 'file', path: clip },
      fps: 2,
      width: 416,
      height: 416,
      watchdog: { stallSeconds: 10, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 2 },
      launcher: fluentFfmpegLauncher({ onStart: (line) => (commandLine = line) }),
    });
    const frames: RawFrame[] = [];
    reader.on('frame', (f) => frames.push(f));
    const ended = new Promise<void>((resolve) => reader.once('end', resolve));
    reader.start();
    await ended;
    // the reader's command, frames to a Unix socket ffmpeg listens on; the socket is gone afterwards
    const socketPath = /unix:(\S+)$/.exec(commandLine)![1];
    expect(commandLine).toBe(`ffmpeg ${toArgv(reader.command, { kind: 'unix-socket', path: socketPath }).join(' ')}`);
    expect(existsSync(socketPath)).toBe(false);
    // 30 s at 2 fps
    expect(frames.length).toBeGreaterThanOrEqual(59);
    expect(frames.length).toBeLessThanOrEqual(61);
    expect(frames[0].source).toEqual({ width: 640, height: 360 });
    for (const f of frames) expect(f.data.length).toBe(416 * 416 * 3);
    // 640x360 scaled to 416x234; rows below are the 114-grey padding
    const last = frames[frames.length - 1].data;
    const padRow = 300 * 416 * 3;
    expect([last[padRow], last[padRow + 1], last[padRow + 2]]).toEqual([114, 114, 114]);
    const pictureRow = 100 * 416 * 3 + 200 * 3;
    expect([last[pictureRow], last[pictureRow + 1], last[pictureRow + 2]]).not.toEqual([114, 114, 114]);
    expect(reader.isOnline).toBe(false);
  });

  it('keeps readers with launchers of their own apart (each its own socket, its own frames)', async () => {
    const clip = sharedPath('media/clips/drowning_sub.mp4')!;
    const sockets: string[] = [];
    // Three launchers, as three readers without one get (each makes its own).
    const onStart = (line: string) => sockets.push(/unix:(\S+)$/.exec(line)![1]);
    const readers = [1, 2, 3].map(
      (n) =>
        new CameraReader({
          cameraId: `file-${n}`,
          source: { kind: 'file', path: clip },
          fps: 2,
          width: 416,
          height: 416,
          watchdog: { stallSeconds: 10, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 2 },
          launcher: fluentFfmpegLauncher({ onStart }),
        }),
    );
    const counts = readers.map(() => 0);
    const offline: string[] = [];
    readers.forEach((reader, i) => {
      reader.on('frame', (f) => (counts[i]++, f.release()));
      reader.on('offline', ({ reason, detail }) => offline.push(`reader ${i + 1}: ${reason} ${detail ?? ''}`));
    });
    const ended = readers.map((reader) => new Promise<void>((resolve) => reader.once('end', resolve)));
    readers.forEach((reader) => reader.start());
    await Promise.all(ended);
    expect(offline).toEqual([]);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(59);
    expect(new Set(sockets).size).toBe(3);
  });
});

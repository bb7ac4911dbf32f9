import { spawnSync } from 'node:child_process';
import { LIVE_GOP_PICTURES, liveViewFfmpegOptions, mpeg1MuxerArgv } from './ffmpeg-args';
import { pictureStarts } from './mpeg-ts';

describe('pictureStarts', () => {
  it("finds every picture and every I-picture in ffmpeg's live view output, read in pieces of any size", () => {
    // What the live view's ffmpeg writes (its flags), from a test picture instead of a camera: 50 pictures.
    const argv = ['-f', 'lavfi', ...mpeg1MuxerArgv('testsrc=size=640x360:rate=25:duration=2', liveViewFfmpegOptions({ width: 640, frameRate: 25, bitrateKbps: 800 }))];
    const run = spawnSync('ffmpeg', argv, { maxBuffer: 64 * 1024 * 1024 });
    expect(run.stderr.toString()).toBe('');
    const ts = run.stdout;
    const keys = Math.ceil(50 / LIVE_GOP_PICTURES);
    const read = (size: number) => {
      const found = [];
      for (let at = 0; at < ts.length; at += size) found.push(...pictureStarts(ts.subarray(at, at + size), at).map((s) => ({ ...s, offset: at + s.offset })));
      return found;
    };
    const all = read(ts.length);
    expect([all.length, all.filter((s) => s.key).length]).toEqual([50, keys]);
    expect(all.filter((s) => s.key).map((s) => all.indexOf(s))).toEqual([...Array(keys).keys()].map((i) => i * LIVE_GOP_PICTURES));
    expect(read(188)).toEqual(all); // pieces on packet boundaries: nothing missed
    // Pieces across packets: the same starts, but for one whose headers a piece's end cuts (rare).
    const pieces = read(1000);
    expect(pieces.length).toBeGreaterThanOrEqual(45);
    expect(all).toEqual(expect.arrayContaining(pieces));
    // A piece that does not start on a packet boundary where `position` says: nothing is known.
    expect(pictureStarts(ts.subarray(1, 4096), 0)).toEqual([]);
  });
});

import { accessSync, constants, readFileSync } from 'node:fs';
import { RTSP_PROTOCOL_WHITELIST } from '@xl/media';
import { frameGrabArgs, liveViewFfmpegOptions, mpeg1MuxerArgv } from './ffmpeg-args';
import { LIVE_VIEW_FFMPEG } from './live-source';

describe('live view ffmpeg options', () => {
  const options = liveViewFfmpegOptions({ width: 640, frameRate: 25, bitrateKbps: 800 });

  it('asks for muted MPEG-1 at a standard rate, never upscaled, without B-frames', () => {
    expect(options).toEqual({
      '-nostdin': '',
      '-hide_banner': '',
      '-loglevel': 'error',
      '-an': '',
      '-vf': "scale=w='min(640,iw)':h=-2",
      '-r': '25',
      '-b:v': '800k',
      '-bf': '0',
      '-g': '12',
      '-threads': '1',
    });
  });

  it('is spawned by the muxer as ffmpeg -i URL -f mpegts -codec:v mpeg1video <options> -', () => {
    const argv = mpeg1MuxerArgv('rtsp://u:p@cam/sub', options);
    expect(argv.slice(0, 6)).toEqual(['-i', 'rtsp://u:p@cam/sub', '-f', 'mpegts', '-codec:v', 'mpeg1video']);
    expect(argv.slice(6, 10)).toEqual(['-nostdin', '-hide_banner', '-loglevel', 'error']);
    expect(argv[argv.indexOf('-b:v') + 1]).toBe('800k');
    expect(argv[argv.indexOf('-bf') + 1]).toBe('0');
    expect(argv[argv.length - 1]).toBe('-');
  });
});

describe('the ffmpeg the muxer spawns', () => {
  it('is an executable script that puts RTSP over TCP and the protocol whitelist before the input', () => {
    accessSync(LIVE_VIEW_FFMPEG, constants.X_OK);
    const lines = readFileSync(LIVE_VIEW_FFMPEG, 'utf8').split('\n');
    expect(lines[0]).toBe('#!/bin/sh');
    const exec = lines.filter((line) => line.startsWith('exec '));
    expect(exec).toEqual([`exec ffmpeg -rtsp_transport tcp -protocol_whitelist ${RTSP_PROTOCOL_WHITELIST} -fpsprobesize 0 "$@"`]);
  });
});

describe('frame grab arguments', () => {
  const argv = frameGrabArgs('rtsp://u:p@cam/main', { width: 960, ioTimeoutSeconds: 5 });

  it('reads RTSP over TCP with an I/O timeout in microseconds, before the input', () => {
    const input = argv.indexOf('-i');
    expect(argv[input + 1]).toBe('rtsp://u:p@cam/main');
    expect(argv.indexOf('-rtsp_transport')).toBeLessThan(input);
    expect(argv[argv.indexOf('-rtsp_transport') + 1]).toBe('tcp');
    expect(argv[argv.indexOf('-timeout') + 1]).toBe('5000000');
    expect(argv.indexOf('-timeout')).toBeLessThan(input);
    expect(argv[argv.indexOf('-protocol_whitelist') + 1]).toBe('tcp,tls');
    expect(argv.indexOf('-protocol_whitelist')).toBeLessThan(input);
    expect(argv[argv.indexOf('-fpsprobesize') + 1]).toBe('0');
    expect(argv.indexOf('-fpsprobesize')).toBeLessThan(input);
  });

  it('writes one PNG picture to stdout, at most 960 wide, never upscaled', () => {
    expect(argv[argv.indexOf('-frames:v') + 1]).toBe('1');
    expect(argv[argv.indexOf('-vf') + 1]).toBe("scale=w='min(960,iw)':h=-2");
    expect(argv.slice(-5)).toEqual(['-f', 'image2pipe', '-c:v', 'png', 'pipe:1']);
    expect(argv).toContain('-an');
    expect(argv[argv.indexOf('-loglevel') + 1]).toBe('error');
  });

  it("keeps stdin open: a grab that gives up quits ffmpeg with 'q', read only once the session is open", () => {
    expect(argv).not.toContain('-nostdin');
  });
});

import { clipCutArgs, clipTranscodeArgs, concatList, keyframeSnapshotArgs, segmentRecorderArgs } from './recording-args';

/** The value following `flag`, asserting the flag appears exactly once. */
function valueOf(args: string[], flag: string): string {
  const at = args.indexOf(flag);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(args.indexOf(flag, at + 1)).toBe(-1);
  return args[at + 1];
}

describe('segmentRecorderArgs', () => {
  const args = segmentRecorderArgs({ url: 'rtsp://u:p@10.0.0.7/main', ioTimeoutSeconds: 5, segmentSeconds: 2, pattern: '/rec/cam-1/part-1-%06d.ts' });

  it('reads the camera over TCP with an I/O timeout in microseconds', () => {
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-timeout')).toBe('5000000');
    expect(valueOf(args, '-i')).toBe('rtsp://u:p@10.0.0.7/main');
    expect(args.indexOf('-rtsp_transport')).toBeLessThan(args.indexOf('-i')); // input options
    expect(valueOf(args, '-protocol_whitelist')).toBe('tcp,tls'); // TCP and TLS only, whatever the URL says
    expect(args.indexOf('-protocol_whitelist')).toBeLessThan(args.indexOf('-i'));
  });

  it('copies the first video stream without decoding it', () => {
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(valueOf(args, '-c')).toBe('copy');
    expect(args).not.toContain('-vf');
    expect(args).not.toContain('-c:v');
  });

  it('starts at the first keyframe that has a time (RTSP gives the first packet none; with B-frames the muxer cannot fill it in)', () => {
    expect(valueOf(args, '-bsf:v')).toBe('noise=drop=if(ld(0)\\,0\\,if(key*not(eq(pts\\,nopts))\\,st(0\\,1)*0\\,1))');
    expect(args.indexOf('-bsf:v')).toBeGreaterThan(args.indexOf('-i')); // an output option
  });

  it('writes keyframe-aligned MPEG-TS segments, each starting at time 0, to the pattern', () => {
    expect(valueOf(args, '-f')).toBe('segment');
    expect(valueOf(args, '-segment_time')).toBe('2');
    expect(valueOf(args, '-segment_format')).toBe('mpegts');
    expect(valueOf(args, '-reset_timestamps')).toBe('1');
    expect(args[args.length - 1]).toBe('/rec/cam-1/part-1-%06d.ts');
  });

  it("logs verbosely (the segment muxer's start lines) without progress lines, and keeps stdin for 'q'", () => {
    expect(valueOf(args, '-loglevel')).toBe('verbose');
    expect(args).toContain('-nostats');
    expect(args).toContain('-hide_banner');
    expect(args).not.toContain('-nostdin');
  });

  it('refuses what would make a broken command line', () => {
    expect(() => segmentRecorderArgs({ url: 'rtsp://h/x', ioTimeoutSeconds: 0, segmentSeconds: 2, pattern: 'a-%06d.ts' })).toThrow(/ioTimeoutSeconds 0/);
    expect(() => segmentRecorderArgs({ url: 'rtsp://h/x', ioTimeoutSeconds: 5, segmentSeconds: 0, pattern: 'a-%06d.ts' })).toThrow(/segmentSeconds 0/);
    expect(() => segmentRecorderArgs({ url: 'rtsp://h/x', ioTimeoutSeconds: 5, segmentSeconds: 2, pattern: 'a.ts' })).toThrow(/exactly one/);
  });
});

describe('clipCutArgs', () => {
  const args = clipCutArgs({ listFile: '/ev/clips/a.mp4.ffconcat', offsetSeconds: 1.2344, durationSeconds: 20, output: '/ev/clips/a.mp4.part' });

  it('shifts the pre-roll before the wanted start to negative times (kept, hidden by an edit list)', () => {
    expect(valueOf(args, '-itsoffset')).toBe('-1.234'); // ms precision
    expect(args.indexOf('-itsoffset')).toBeLessThan(args.indexOf('-i'));
    expect(valueOf(args, '-avoid_negative_ts')).toBe('disabled');
    expect(args).not.toContain('-ss'); // with stream copy -ss would start at the next keyframe, late
  });

  it('reads the segments through the concat demuxer (absolute paths allowed)', () => {
    expect(args.slice(args.indexOf('-f'), args.indexOf('-f') + 2)).toEqual(['-f', 'concat']);
    expect(valueOf(args, '-safe')).toBe('0');
    expect(valueOf(args, '-i')).toBe('/ev/clips/a.mp4.ffconcat');
  });

  it('copies the video for the asked duration into a faststart MP4', () => {
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(valueOf(args, '-c')).toBe('copy');
    expect(valueOf(args, '-t')).toBe('20.000');
    expect(valueOf(args, '-movflags')).toBe('+faststart');
    expect(args.slice(-3)).toEqual(['-f', 'mp4', '/ev/clips/a.mp4.part']);
    expect(args).toContain('-y');
  });

  it('refuses negative offsets and empty clips', () => {
    expect(() => clipCutArgs({ listFile: 'l', offsetSeconds: -1, durationSeconds: 1, output: 'o' })).toThrow(/offsetSeconds -1/);
    expect(() => clipCutArgs({ listFile: 'l', offsetSeconds: 0, durationSeconds: 0, output: 'o' })).toThrow(/durationSeconds 0/);
  });
});

describe('concatList', () => {
  it('names each segment in order', () => {
    expect(concatList(['/r/1-2000.ts', '/r/2-2000.ts'])).toBe("ffconcat version 1.0\nfile '/r/1-2000.ts'\nfile '/r/2-2000.ts'\n");
  });

  it('refuses paths that would break the list', () => {
    expect(() => concatList(["/r/it's.ts"])).toThrow(/unsupported character/);
    expect(() => concatList(['/r/a\nfile /etc/passwd'])).toThrow(/unsupported character/);
  });
});

describe('keyframeSnapshotArgs', () => {
  const args = keyframeSnapshotArgs({ segment: '/rec/c/100-2000.ts', offsetSeconds: 1.5, output: '/ev/snap.jpg.part.jpg' });

  it('decodes keyframes only, with one thread', () => {
    expect(valueOf(args, '-skip_frame')).toBe('nokey');
    expect(args.indexOf('-skip_frame')).toBeLessThan(args.indexOf('-i'));
    expect(valueOf(args, '-threads')).toBe('1');
  });

  it('keeps the last keyframe at or before the offset, at full size and high quality', () => {
    expect(valueOf(args, '-vf')).toBe("select='lte(t-start_t,1.500)'");
    expect(valueOf(args, '-update')).toBe('1');
    expect(valueOf(args, '-fps_mode')).toBe('passthrough');
    expect(valueOf(args, '-q:v')).toBe('2');
    expect(args).not.toContain('-s');
    expect(args.slice(-3)).toEqual(['-f', 'image2', '/ev/snap.jpg.part.jpg']);
  });
});

describe('clipTranscodeArgs', () => {
  const args = clipTranscodeArgs({ listFile: '/ev/clips/a.mp4.ffconcat', offsetSeconds: 1.2344, durationSeconds: 20, output: '/ev/clips/a.mp4.part' });

  it('decodes the segments from their first keyframe and drops what precedes the wanted start', () => {
    expect(args.slice(args.indexOf('-f'), args.indexOf('-f') + 2)).toEqual(['-f', 'concat']);
    expect(valueOf(args, '-safe')).toBe('0');
    expect(valueOf(args, '-i')).toBe('/ev/clips/a.mp4.ffconcat');
    expect(valueOf(args, '-ss')).toBe('1.234');
    expect(args.indexOf('-ss')).toBeGreaterThan(args.indexOf('-i')); // before -i the concat demuxer lands mid-GOP
    expect(valueOf(args, '-t')).toBe('20.000');
    expect(args).not.toContain('-itsoffset');
  });

  it('encodes 8-bit 4:2:0 H.264 that every browser plays, on one thread each way', () => {
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(valueOf(args, '-c:v')).toBe('libx264');
    expect(valueOf(args, '-preset')).toBe('veryfast');
    expect(valueOf(args, '-crf')).toBe('23');
    expect(valueOf(args, '-pix_fmt')).toBe('yuv420p');
    expect(valueOf(args, '-threads')).toBe('1');
    expect(args.indexOf('-threads')).toBeLessThan(args.indexOf('-i')); // the decoder's
    expect(valueOf(args, '-x264-params')).toBe('threads=1'); // the encoder's
    expect(args).not.toContain('-c');
  });

  it('writes a faststart MP4 and refuses what clipCutArgs refuses', () => {
    expect(valueOf(args, '-movflags')).toBe('+faststart');
    expect(args.slice(-3)).toEqual(['-f', 'mp4', '/ev/clips/a.mp4.part']);
    expect(valueOf(args, '-loglevel')).toBe('error');
    expect(() => clipTranscodeArgs({ listFile: 'l', offsetSeconds: -1, durationSeconds: 1, output: 'o' })).toThrow(/offsetSeconds -1/);
    expect(() => clipTranscodeArgs({ listFile: 'l', offsetSeconds: 0, durationSeconds: 0, output: 'o' })).toThrow(/durationSeconds 0/);
  });
});

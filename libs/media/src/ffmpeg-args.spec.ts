import { fileFrameCommand, frameByteLength, letterboxFilter, rtspFrameCommand, samplingFilter, toArgv } from './ffmpeg-args';

/** The value following `flag` in `args`, asserting the flag appears exactly once. */
function valueOf(args: string[], flag: string): string {
  const at = args.indexOf(flag);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(args.indexOf(flag, at + 1)).toBe(-1);
  return args[at + 1];
}

const out = { fps: 2, width: 416, height: 416 };

describe('rtspFrameCommand', () => {
  const spec = rtspFrameCommand({ ...out, url: 'rtsp://u:p@10.0.0.7/ch1', ioTimeoutSeconds: 5 });
  const argv = toArgv(spec);

  it('reads the camera over TCP with an I/O timeout in microseconds', () => {
    expect(spec.input).toBe('rtsp://u:p@10.0.0.7/ch1');
    expect(valueOf(spec.inputOptions, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(spec.inputOptions, '-timeout')).toBe('5000000');
  });

  it('lets ffmpeg open TCP and TLS for the camera, nothing else', () => {
    expect(valueOf(spec.inputOptions, '-protocol_whitelist')).toBe('tcp,tls');
  });

  it('decodes with one thread, keeps stderr to the info level and prints progress every 2 s', () => {
    expect(valueOf(spec.inputOptions, '-threads')).toBe('1');
    expect(valueOf(spec.inputOptions, '-filter_threads')).toBe('1');
    expect(valueOf(spec.inputOptions, '-skip_loop_filter')).toBe('all');
    expect(valueOf(spec.inputOptions, '-loglevel')).toBe('info');
    // a mid-stream size change keeps the letterbox (stretched) and is reported, for the reader to restart
    expect(valueOf(spec.inputOptions, '-reinit_filter')).toBe('0');
    // the progress line's stream time against the wall clock tells how late the stream arrives
    expect(spec.inputOptions).not.toContain('-nostats');
    expect(valueOf(spec.inputOptions, '-stats_period')).toBe('2');
    expect(spec.inputOptions).toContain('-hide_banner');
    expect(spec.inputOptions).not.toContain('-nostdin'); // 'q' on stdin is how the supervisor stops ffmpeg cleanly
    expect(valueOf(spec.inputOptions, '-fpsprobesize')).toBe('0'); // no rate probing before the first frame
  });

  it('drops audio, subtitles and data', () => {
    expect(spec.outputOptions).toEqual(expect.arrayContaining(['-an', '-sn', '-dn']));
  });

  it('samples first, then scales to fit and pads grey 114 at the bottom/right', () => {
    expect(valueOf(spec.outputOptions, '-vf')).toBe(
      `${samplingFilter(2)},scale=416:416:force_original_aspect_ratio=decrease,pad=416:416:0:0:color=0x727272`,
    );
  });

  it('samples the first frame of each 1/fps slot, never a copy, and writes each sampled frame once', () => {
    expect(samplingFilter(2)).toBe("select='if(isnan(t),0,if(isnan(prev_selected_t),1,gt(floor(t*2),floor(prev_selected_t*2))+lt(t,prev_selected_t)))'");
    expect(samplingFilter(0.5)).toContain('gt(floor(t*0.5),floor(prev_selected_t*0.5))');
    expect(valueOf(spec.outputOptions, '-fps_mode')).toBe('passthrough');
    expect(spec.outputOptions.indexOf('-fps_mode')).toBeGreaterThan(spec.outputOptions.indexOf('-vf'));
  });

  it('writes raw bgr24 to stdout', () => {
    expect(valueOf(spec.outputOptions, '-pix_fmt')).toBe('bgr24');
    expect(valueOf(spec.outputOptions, '-f')).toBe('rawvideo');
    expect(argv[argv.length - 1]).toBe('pipe:1');
  });

  it('puts input options before -i and output options after it', () => {
    const i = argv.indexOf('-i');
    expect(argv[i + 1]).toBe(spec.input);
    expect(argv.indexOf('-rtsp_transport')).toBeLessThan(i);
    expect(argv.indexOf('-timeout')).toBeLessThan(i);
    expect(argv.indexOf('-threads')).toBeLessThan(i); // decoder threads are an input option
    expect(argv.indexOf('-vf')).toBeGreaterThan(i);
    expect(argv.indexOf('-pix_fmt')).toBeGreaterThan(i);
  });

  it('rounds fractional timeouts and rejects nonsense', () => {
    expect(valueOf(rtspFrameCommand({ ...out, url: 'rtsp://h/x', ioTimeoutSeconds: 2.5 }).inputOptions, '-timeout')).toBe('2500000');
    expect(() => rtspFrameCommand({ ...out, url: 'rtsp://h/x', ioTimeoutSeconds: 0 })).toThrow(/ioTimeoutSeconds/);
    expect(() => rtspFrameCommand({ ...out, fps: 0, url: 'rtsp://h/x', ioTimeoutSeconds: 5 })).toThrow(/fps 0/);
    expect(() => rtspFrameCommand({ ...out, width: 41.5, url: 'rtsp://h/x', ioTimeoutSeconds: 5 })).toThrow(/width 41.5/);
  });
});

describe('fileFrameCommand', () => {
  it('uses the same filters and output without RTSP flags', () => {
    const spec = fileFrameCommand({ ...out, fps: 5, path: '/clips/a.mp4' });
    expect(spec.input).toBe('/clips/a.mp4');
    expect(spec.inputOptions).not.toContain('-rtsp_transport');
    expect(spec.inputOptions).not.toContain('-timeout');
    expect(spec.inputOptions).not.toContain('-re');
    expect(spec.inputOptions).not.toContain('-stream_loop');
    expect(spec.inputOptions).toContain('-nostats'); // a file is late to nothing
    expect(spec.inputOptions).not.toContain('-stats_period');
    expect(valueOf(spec.inputOptions, '-threads')).toBe('1');
    expect(valueOf(spec.inputOptions, '-reinit_filter')).toBe('0'); // a clip that changes size plays on in the first letterbox
    expect(spec.outputOptions).toEqual(rtspFrameCommand({ ...out, fps: 5, url: 'rtsp://h/x', ioTimeoutSeconds: 5 }).outputOptions);
  });

  it('reads at the native rate and loops on request', () => {
    const spec = fileFrameCommand({ ...out, path: '/clips/a.mp4', realtime: true, loop: -1 });
    expect(spec.inputOptions).toContain('-re');
    expect(valueOf(spec.inputOptions, '-stream_loop')).toBe('-1');
    expect(toArgv(spec).indexOf('-re')).toBeLessThan(toArgv(spec).indexOf('-i'));
    expect(() => fileFrameCommand({ ...out, path: 'a', loop: -2 })).toThrow(/loop -2/);
  });
});

describe('toArgv output targets', () => {
  it('writes to stdout by default, or listens on a Unix socket', () => {
    const spec = fileFrameCommand({ ...out, path: '/clips/a.mp4' });
    expect(toArgv(spec).slice(-1)).toEqual(['pipe:1']);
    const viaSocket = toArgv(spec, { kind: 'unix-socket', path: '/tmp/xl/1.sock' });
    expect(viaSocket.slice(-5)).toEqual(['-listen', '1', '-timeout', '10000', 'unix:/tmp/xl/1.sock']);
    expect(viaSocket.slice(0, -5)).toEqual(toArgv(spec).slice(0, -1)); // nothing else differs
  });
});

describe('letterboxFilter and frameByteLength', () => {
  it('follows the requested size', () => {
    expect(letterboxFilter({ fps: 0.5, width: 640, height: 384 })).toBe(
      `${samplingFilter(0.5)},scale=640:384:force_original_aspect_ratio=decrease,pad=640:384:0:0:color=0x727272`,
    );
    expect(frameByteLength(416, 416)).toBe(519168);
  });
});

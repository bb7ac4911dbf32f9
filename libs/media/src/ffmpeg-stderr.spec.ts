import { classifyExit, exitDetail, FfmpegStderrParser, parseProgressTime, parseSizeChange, parseVideoStreamSize, type ExitContext } from './ffmpeg-stderr';

describe('parseVideoStreamSize', () => {
  it('reads the size of real ffmpeg 5.1 stream lines', () => {
    expect(parseVideoStreamSize('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360, 25 fps, 25 tbr, 90k tbn')).toEqual({ width: 640, height: 360 });
    expect(
      parseVideoStreamSize(
        '  Stream #0:0[0x1](und): Video: h264 (Main) (avc1 / 0x31637661), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 159 kb/s, 25 fps',
      ),
    ).toEqual({ width: 1280, height: 720 });
    expect(parseVideoStreamSize('  Stream #0:0: Video: hevc (Main), yuv420p(tv), 2560x1440')).toEqual({ width: 2560, height: 1440 });
  });

  it('ignores audio streams, codec tags like 0x31637661 and other lines', () => {
    expect(parseVideoStreamSize('  Stream #0:1: Audio: aac (LC), 44100 Hz, mono, fltp')).toBeNull();
    expect(parseVideoStreamSize('  Stream #0:0: Video: h264 (avc1 / 0x31637661)')).toBeNull();
    expect(parseVideoStreamSize('frame=    6 fps=1.8 q=-0.0 size=640x360')).toBeNull();
  });
});

describe('parseSizeChange', () => {
  it('reads the new size from the buffer source warning of ffmpeg 5.1 and of later versions', () => {
    expect(parseSizeChange('[graph 0 input from stream 0:0 @ 0x5] filter context - w: 640 h: 360 fmt: 0, incoming frame - w: 704 h: 576 fmt: 0 pts_time: 3')).toEqual({ width: 704, height: 576 });
    expect(parseSizeChange('[in @ 0x5] filter context - w: 640 h: 360 fmt: 0 csp: bt709 range: tv, incoming frame - w: 1280 h: 720 fmt: 0 csp: bt709 range: tv pts_time: 9.2')).toEqual({ width: 1280, height: 720 });
  });

  it('ignores a change of pixel format alone and other lines', () => {
    expect(parseSizeChange('[in @ 0x5] filter context - w: 640 h: 360 fmt: 0, incoming frame - w: 640 h: 360 fmt: 12 pts_time: 3')).toBeNull();
    expect(parseSizeChange('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360, 25 fps')).toBeNull();
  });
});

describe('FfmpegStderrParser', () => {
  const lines = [
    "Input #0, rtsp, from 'rtsp://admin:hunter2@127.0.0.1:8554/cam':",
    '  Duration: N/A, start: 0.000000, bitrate: N/A',
    '  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360, 25 fps, 25 tbr, 90k tbn',
    'Stream mapping:',
    '  Stream #0:0 -> #0:0 (h264 (native) -> rawvideo (native))',
    "Output #0, rawvideo, to 'pipe:1':",
    '  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, gbr/unknown/unknown, progressive), 416x416 [SAR 1:1 DAR 1:1], q=2-31, 8306 kb/s, 2 fps, 2 tbn',
  ];

  it('takes the input stream size, not the output one', () => {
    const p = new FfmpegStderrParser();
    const found = lines.map((l) => p.feed(l)).filter(Boolean);
    expect(found).toEqual([{ width: 640, height: 360 }]);
    expect(p.sourceSize).toEqual({ width: 640, height: 360 });
  });

  it('keeps a redacted tail of the last lines', () => {
    const p = new FfmpegStderrParser(3);
    lines.forEach((l) => p.feed(l));
    expect(p.lines()).toHaveLength(3);
    const all = new FfmpegStderrParser(20);
    lines.forEach((l) => all.feed(l));
    expect(all.lines().join('\n')).not.toContain('hunter2');
    expect(all.lines()[0]).toContain('rtsp://***:***@127.0.0.1:8554/cam');
  });

  it("gives an offline detail without a password that holds ' \" < >", () => {
    const p = new FfmpegStderrParser();
    p.feed("rtsp://admin:p'ss\"<w>@10.0.0.7/live: Connection refused");
    const detail = exitDetail(p.lines(), 'exited');
    expect(detail).toBe('rtsp://***:***@10.0.0.7/live: Connection refused');
  });

  it('keeps progress lines out of the tail, so that the telling lines stay', () => {
    const p = new FfmpegStderrParser(2);
    p.feed('[rtsp @ 0x1] RTP: missed 12 packets');
    for (let i = 1; i <= 5; i++) p.feed(`frame=   ${i} fps=2.0 q=-0.0 size=N/A time=00:00:0${i}.00 bitrate=N/A speed=   1x    `);
    expect(p.lines()).toEqual(['[rtsp @ 0x1] RTP: missed 12 packets']);
  });

  // What ffmpeg 5.1 printed here with -reinit_filter 0 when the stream went from 640x360 to 704x576.
  const changeLine = '[graph 0 input from stream 0:0 @ 0x55a1a1661700] filter context - w: 640 h: 360 fmt: 0, incoming frame - w: 704 h: 576 fmt: 0 pts_time: 3';

  it('notices the first mid-stream size change after the source size is known', () => {
    const p = new FfmpegStderrParser();
    p.feed(changeLine); // before the input section: not a change of a known size
    expect(p.sizeChange).toBeNull();
    lines.forEach((l) => p.feed(l));
    expect(p.sizeChange).toBeNull();
    p.feed('[graph 0 input from stream 0:0 @ 0x5] Changing video frame properties on the fly is not supported by all filters.');
    expect(p.sizeChange).toBeNull();
    p.feed(changeLine);
    expect(p.sizeChange).toEqual({ width: 704, height: 576 });
    p.feed(changeLine.replace('704', '1280').replace('576', '720'));
    expect(p.sizeChange).toEqual({ width: 704, height: 576 }); // the first one counts
    expect(p.sourceSize).toEqual({ width: 640, height: 360 });
  });

  it('finds no size when the output section comes without an input one', () => {
    const p = new FfmpegStderrParser();
    p.feed("Output #0, rawvideo, to 'pipe:1':");
    p.feed(lines[6]);
    expect(p.sourceSize).toBeNull();
  });
});

describe('classifyExit', () => {
  const base: ExitContext = { watchdogFired: false, code: 1, signal: null, stderr: [], silentMs: 100, ioTimeoutMs: 5000, hadOutput: false };
  const withText = (line: string) => classifyExit({ ...base, stderr: ['Input #0 …', line] });

  it('maps the stderr texts measured in shared/RTSP.md', () => {
    expect(withText('[tcp @ 0x55] Connection to tcp://127.0.0.1:9 failed: Connection refused')).toBe('refused');
    expect(withText('[rtsp @ 0x55] method DESCRIBE failed: 404 Not Found')).toBe('not_found');
    expect(withText('[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized')).toBe('unauthorized');
    expect(withText('[rtsp @ 0x55] method DESCRIBE failed: 403 Forbidden')).toBe('unauthorized');
    // gst-rtsp-server at its session limit (set_max_sessions), and a Hikvision-style refusal
    expect(withText('[rtsp @ 0x55] method SETUP failed: 503 Service Unavailable')).toBe('busy');
    expect(withText('[rtsp @ 0x55] method DESCRIBE failed: 503 Service Temporarily Unavailable')).toBe('busy');
    expect(withText('[rtsp @ 0x55] method SETUP failed: 453 Not Enough Bandwidth')).toBe('busy');
    // a camera that streams over UDP only refuses, or ignores, the TCP the readers ask for
    expect(withText('[rtsp @ 0x55] method SETUP failed: 461 Unsupported transport')).toBe('udp_only');
    expect(withText('[rtsp @ 0x55] Nonmatching transport in server reply')).toBe('udp_only');
    // a progress counter that happens to read 503 is not a refusal
    expect(classifyExit({ ...base, code: 0, stderr: ['frame=  503 fps=2.0 q=-0.0 size=N/A'] })).toBe('exited');
    expect(withText('rtsp://***@h/x: Invalid data found when processing input')).toBe('invalid_data');
    expect(withText('[tcp @ 0x55] Connection to tcp://10.0.0.9:554 failed: Connection timed out')).toBe('timeout');
  });

  it('blames the watchdog first', () => {
    expect(classifyExit({ ...base, watchdogFired: true, code: null, signal: 'SIGTERM', stderr: ['Connection refused'] })).toBe('stalled');
  });

  it('calls an I/O timeout after frames had flowed a stall, like the watchdog would', () => {
    expect(classifyExit({ ...base, code: 0, silentMs: 5_200, hadOutput: true })).toBe('stalled');
    expect(classifyExit({ ...base, stderr: ['Operation timed out'], silentMs: 5_200, hadOutput: true })).toBe('stalled');
    expect(classifyExit({ ...base, code: 0, silentMs: 5_200, hadOutput: false })).toBe('timeout');
    expect(classifyExit({ ...base, code: 0, silentMs: 300, hadOutput: true })).toBe('exited');
    // the last frame was taken off the pipe late (busy event loop): ffmpeg's text decides
    expect(classifyExit({ ...base, stderr: ['[tcp @ 0x5] Connection timed out'], silentMs: 2_100, hadOutput: true })).toBe('stalled');
    expect(classifyExit({ ...base, code: 0, silentMs: 4_200, hadOutput: true })).toBe('stalled');
    expect(classifyExit({ ...base, code: 0, silentMs: 3_900, hadOutput: true })).toBe('exited');
    // what the text names beats silence
    expect(classifyExit({ ...base, stderr: ['Invalid data found when processing input'], silentMs: 5_200, hadOutput: true })).toBe('invalid_data');
  });

  it('does not take exit code 0 for success: silent → timeout, else exited', () => {
    expect(classifyExit({ ...base, code: 0, silentMs: 10_500 })).toBe('timeout');
    expect(classifyExit({ ...base, code: 0, silentMs: 300 })).toBe('exited');
    expect(classifyExit({ ...base, code: null, signal: 'SIGKILL' })).toBe('exited');
  });
});

describe('exitDetail', () => {
  it("prefers the camera's RTSP answer, then the last error-looking line", () => {
    expect(exitDetail(['a', 'Connection refused', 'Exiting normally'], 'x')).toBe('Connection refused');
    expect(exitDetail(['a', 'b'], 'x')).toBe('b');
    const busy = ['[rtsp @ 0x55] method SETUP failed: 503 Service Unavailable', 'rtsp://***@h/x: Server returned 5XX Server Error reply'];
    expect(exitDetail(busy, 'x')).toBe(busy[0]);
    expect(exitDetail([], 'ffmpeg exited with code 0')).toBe('ffmpeg exited with code 0');
  });
});

describe('parseProgressTime', () => {
  it('reads the stream time of the last frame written from the progress lines of ffmpeg 5.1 and later', () => {
    expect(parseProgressTime('frame=   42 fps=2.0 q=-0.0 size=N/A time=00:00:21.04 bitrate=N/A speed=   1x    ')).toBe(21.04);
    expect(parseProgressTime('frame=10873 fps=2.0 q=-0.0 Lsize=N/A time=01:30:36.50 bitrate=N/A dup=0 drop=3 speed=1.00x')).toBeCloseTo(5436.5, 6);
    expect(parseProgressTime('frame=    7 fps=0.0 q=-0.0 size=       0KiB time=00:00:03.00 bitrate=   0.0kbits/s speed=1.98x elapsed=0:00:01.51')).toBe(3);
  });

  it('gives nothing before the first frame, for a negative time and for other lines', () => {
    expect(parseProgressTime('frame=    0 fps=0.0 q=0.0 size=N/A time=N/A bitrate=N/A speed=N/A')).toBeNull();
    expect(parseProgressTime('frame=    0 fps=0.0 q=-0.0 size=N/A time=00:00:00.00 bitrate=N/A speed=   0x')).toBeNull();
    expect(parseProgressTime('frame=    3 fps=0.0 q=-0.0 size=N/A time=-00:00:00.04 bitrate=N/A speed=N/A')).toBeNull();
    expect(parseProgressTime('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 640x360, 25 fps')).toBeNull();
    expect(parseProgressTime('[rtsp @ 0x1] time=00:00:05.00 is not a progress line')).toBeNull();
  });
});

import { Registry } from 'prom-client';
import { createLogger } from '@xl/observability';
import { LiveViewHub, type LiveViewer, RESPAWN_AFTER_RUN_MS } from './live-view-hub';
import { LiveViewMetrics } from './live-view.metrics';
import { liveViewOptionsSchema } from './live-view.options';
import { FakeLauncher } from './fake-live-source';

function viewer(buffered = 0, caller = 'user:op') {
  const v = { bufferedBytes: buffered, caller, open: true, sent: [] as Buffer[], closed: null as null | [number, string] };
  const iface: LiveViewer & typeof v = Object.assign(v, {
    send: (chunk: Buffer) => v.sent.push(chunk),
    close: (code: number, reason: string) => (v.closed = [code, reason]),
  });
  return iface;
}

/**
 * One picture of the live stream as ffmpeg's mpegts muxer writes it: one PES (stream 0xE0) starting a
 * TS packet (payload_unit_start), split into 188-byte packets, the last one stuffed; an I-picture's
 * elementary stream starts with an MPEG-1 sequence header (00 00 01 B3), a P-picture's with a picture
 * start code (00 00 01 00).
 */
function tsPicture(key: boolean, esBytes: number): Buffer {
  const es = Buffer.alloc(esBytes, 0x55);
  es.writeUInt32BE(key ? 0x1b3 : 0x100, 0);
  const pes = Buffer.concat([Buffer.from([0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1]), es]);
  const packets: Buffer[] = [];
  for (let at = 0; at < pes.length; at += 184) {
    const payload = pes.subarray(at, at + 184);
    const header = Buffer.from([0x47, at === 0 ? 0x41 : 0x01, 0x00, 0x10]); // PID 0x100
    if (payload.length === 184) {
      packets.push(header, payload);
      continue;
    }
    header[3] = 0x30; // adaptation field (stuffing), then payload
    const stuffing = Buffer.alloc(184 - payload.length, 0xff);
    stuffing[0] = stuffing.length - 1;
    if (stuffing.length > 1) stuffing[1] = 0;
    packets.push(header, stuffing, payload);
  }
  return Buffer.concat(packets);
}

/**
 * A viewer at the end of a link carrying `rate` bytes/s: what is sent waits in its socket buffer
 * (ws.bufferedAmount) until the link takes it. `delivered`: how long each piece waited, ms.
 */
function linkViewer(rate: number, clock: () => number) {
  const queue: { at: number; bytes: number }[] = [];
  let buffered = 0;
  let budget = 0;
  const delivered: number[] = [];
  const v: LiveViewer = {
    get bufferedBytes() {
      return buffered;
    },
    caller: 'user:op',
    open: true,
    send: (chunk) => {
      queue.push({ at: clock(), bytes: chunk.length });
      buffered += chunk.length;
    },
    close: () => undefined,
  };
  const drain = (ms: number) => {
    budget += (rate * ms) / 1000;
    while (queue.length && budget >= queue[0].bytes) {
      budget -= queue[0].bytes;
      buffered -= queue[0].bytes;
      delivered.push(clock() - queue.shift()!.at);
    }
    if (!queue.length) budget = 0;
  };
  return { v, drain, delivered };
}

describe('LiveViewHub', () => {
  let launcher: FakeLauncher;
  let registry: Registry;
  /** Cameras whose analysis is waiting for a stream (AnalysisStreams' answer). */
  let analysisWaiting: Set<string>;
  const make = (over = {}) => {
    launcher = new FakeLauncher();
    registry = new Registry();
    analysisWaiting = new Set();
    const options = liveViewOptionsSchema.parse({ idleStopMs: 1000, noDataTimeoutMs: 5000, maxStreams: 2, maxViewersPerStream: 2, ...over });
    return new LiveViewHub(launcher, options, new LiveViewMetrics(registry), createLogger('test', 'silent'), { isWaiting: (id) => analysisWaiting.has(id) });
  };
  const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("switchSource restarts a camera's stream on its new address for the same viewers, on their sockets, and stops the old one", async () => {
    const hub = make();
    const [a, b] = [viewer(), viewer()];
    hub.join('cam', 'rtsp://old/sub', a);
    hub.join('cam', 'rtsp://old/sub', b);
    const [old] = launcher.started;
    expect(hub.switchSource('cam', 'rtsp://new/sub')).toBe(true);
    expect(launcher.started.map((s) => [s.url, s.stopped])).toEqual([
      ['rtsp://old/sub', 1],
      ['rtsp://new/sub', 0],
    ]);
    const [, fresh] = launcher.started;
    expect([a.closed, b.closed]).toEqual([null, null]);
    old.handlers.data(Buffer.from('old pond')); // what the old ffmpeg had still in flight
    fresh.handlers.data(Buffer.from('new pond'));
    for (const v of [a, b]) expect(v.sent.map(String)).toEqual(['new pond']);
    expect(hub.active()).toEqual([{ cameraId: 'cam', viewers: 2, pid: 1001 }]);
    old.handlers.exit({ code: 255, signal: null, lastError: null }); // its exit leaves the new stream alone
    expect(hub.active()).toEqual([{ cameraId: 'cam', viewers: 2, pid: 1001 }]);
    expect([await gauge('xl_live_streams'), await gauge('xl_live_viewers')]).toEqual([1, 2]);
    expect((await registry.getSingleMetric('xl_live_streams_ended_total')!.get()).values).toContainEqual(expect.objectContaining({ labels: { reason: 'source_changed' }, value: 1 }));
    // Nothing to do: the same address again, or a camera with no stream.
    expect(hub.switchSource('cam', 'rtsp://new/sub')).toBe(false);
    expect(hub.switchSource('other', 'rtsp://new/sub')).toBe(false);
    expect(launcher.started).toHaveLength(2);
    // The new stream is an ordinary one: it stops idleStopMs after its last viewer leaves.
    hub.leave('cam', a);
    hub.leave('cam', b);
    jest.advanceTimersByTime(1000);
    expect(fresh.stopped).toBe(1);
  });

  it("keeps the running stream's viewers when a new viewer joins with the camera's new address (camera edited, or its id reused)", () => {
    const hub = make();
    const watching = viewer();
    hub.join('cam', 'rtsp://old/sub', watching);
    const joining = viewer();
    hub.join('cam', 'rtsp://new/sub', joining);
    expect(launcher.started.map((s) => [s.url, s.stopped])).toEqual([
      ['rtsp://old/sub', 1],
      ['rtsp://new/sub', 0],
    ]);
    launcher.started[1].handlers.data(Buffer.from('new pond'));
    for (const v of [watching, joining]) {
      expect(v.closed).toBeNull();
      expect(v.sent.map(String)).toEqual(['new pond']);
    }
    hub.join('cam', 'rtsp://new/sub', viewer()); // same address: shared
    expect(launcher.started).toHaveLength(2);
  });

  it('switchSource stops an idle stream without starting one on the new address; the next viewer starts it there', () => {
    const hub = make();
    const gone = viewer();
    hub.join('cam', 'rtsp://old/sub', gone);
    hub.leave('cam', gone); // idle: stops in idleStopMs unless someone comes back
    expect(hub.switchSource('cam', 'rtsp://new/sub')).toBe(true);
    expect(launcher.started.map((s) => [s.url, s.stopped])).toEqual([['rtsp://old/sub', 1]]);
    hub.join('cam', 'rtsp://new/sub', viewer());
    expect(launcher.started.map((s) => [s.url, s.stopped])).toEqual([
      ['rtsp://old/sub', 1],
      ['rtsp://new/sub', 0],
    ]);
  });

  it('starts one transcoder for the first viewer, shares it, and stops it idleStopMs after the last leaves', async () => {
    const hub = make();
    const a = viewer();
    const b = viewer();
    hub.join('cam', 'rtsp://cam/sub', a);
    hub.join('cam', 'rtsp://cam/sub', b);
    expect(launcher.started).toHaveLength(1);
    expect(launcher.started[0].url).toBe('rtsp://cam/sub');
    launcher.started[0].handlers.data(Buffer.from('ts'));
    expect([a.sent.length, b.sent.length]).toEqual([1, 1]);
    expect(await gauge('xl_live_viewers')).toBe(2);
    hub.leave('cam', a);
    hub.leave('cam', b);
    jest.advanceTimersByTime(999);
    expect(launcher.started[0].stopped).toBe(0);
    jest.advanceTimersByTime(1);
    expect(launcher.started[0].stopped).toBe(1);
    launcher.started[0].handlers.exit({ code: 255, signal: null, lastError: null });
    expect(hub.active()).toEqual([]);
    expect(await gauge('xl_live_streams')).toBe(0);
    expect(a.closed).toBeNull(); // an idle stop closes nobody
  });

  it('keeps the transcoder when a viewer comes back within idleStopMs', () => {
    const hub = make();
    const a = viewer();
    hub.join('cam', 'u', a);
    hub.leave('cam', a);
    jest.advanceTimersByTime(500);
    hub.join('cam', 'u', viewer());
    jest.advanceTimersByTime(4000); // past idleStopMs, before the no-data time
    expect(launcher.started).toHaveLength(1);
    expect(launcher.started[0].stopped).toBe(0);
  });

  it('stops a transcoder that sends nothing for noDataTimeoutMs and tells its viewers why', () => {
    const hub = make();
    const a = viewer();
    hub.join('cam', 'u', a);
    jest.advanceTimersByTime(4000);
    launcher.started[0].handlers.data(Buffer.from('x')); // data re-arms the timer
    jest.advanceTimersByTime(4999);
    expect(launcher.started[0].stopped).toBe(0);
    jest.advanceTimersByTime(1);
    expect(launcher.started[0].stopped).toBe(1);
    expect(a.closed).toEqual([1011, "no video from camera 'cam' for 5 s"]);
  });

  it('closes the viewers with the redacted reason when ffmpeg ends by itself, and starts afresh for the next viewer', () => {
    const hub = make();
    const a = viewer();
    hub.join('cam', 'u', a);
    launcher.started[0].handlers.exit({ code: 1, signal: null, lastError: 'rtsp://admin:***@10.0.0.1/sub: Connection refused' });
    expect(a.closed).toEqual([1011, "camera 'cam' stream ended: rtsp://admin:***@10.0.0.1/sub: Connection refused"]);
    hub.join('cam', 'u', viewer());
    expect(launcher.started).toHaveLength(2);
  });

  it("closes every viewer, without a throw out of ffmpeg's exit, when the reason is long in UTF-8 or a socket fails to close", () => {
    const hub = make({ maxViewersPerStream: 3 });
    // As `ws` does: a close reason over 123 bytes is a RangeError (before: thrown in ffmpeg's 'close'
    // listener, it ended the API process).
    const strict = () => {
      const v = viewer();
      v.close = (code: number, reason: string) => {
        if (Buffer.byteLength(reason) > 123) throw new RangeError('The message must not be greater than 123 bytes');
        v.closed = [code, reason];
      };
      return v;
    };
    const [a, broken, c] = [strict(), viewer(), strict()];
    broken.close = () => {
      throw new Error('socket already torn down');
    };
    for (const v of [a, broken, c]) hub.join('cam', 'u', v);
    const lastError = 'rtsp://10.0.0.1/live/东湖村一号鱼塘南岸码头下游二号杆枪机主码流: Server returned 404 Not Found';
    expect(() => launcher.started[0].handlers.exit({ code: 1, signal: null, lastError })).not.toThrow();
    for (const v of [a, c]) {
      expect(v.closed?.[0]).toBe(1011);
      expect(Buffer.byteLength(v.closed![1])).toBeLessThanOrEqual(123);
      expect(v.closed![1]).toMatch(/^camera 'cam' stream ended: rtsp:\/\/10\.0\.0\.1\/live\/东湖村.*…$/);
    }
  });

  it('starts a transcoder that ended by itself after running a while again on the same sockets; one that ends soon after is given up', async () => {
    const hub = make({ noDataTimeoutMs: 60_000 });
    const a = viewer();
    hub.join('cam', 'u', a);
    jest.advanceTimersByTime(RESPAWN_AFTER_RUN_MS);
    launcher.started[0].handlers.exit({ code: 1, signal: null, lastError: 'Connection reset by peer' }); // a network blip
    expect(launcher.started).toHaveLength(2); // before: the viewer closed, its tile back ~28 s later
    expect(a.closed).toBeNull();
    launcher.started[1].handlers.data(Buffer.from('picture'));
    expect(a.sent.at(-1)?.toString()).toBe('picture');
    expect(await gauge('xl_live_streams_respawned_total')).toBe(1);
    // The camera is gone for good: the next transcoder ends within seconds, and the viewer is told.
    jest.advanceTimersByTime(3000);
    launcher.started[1].handlers.exit({ code: 1, signal: null, lastError: 'Connection timed out' });
    expect(launcher.started).toHaveLength(2);
    expect(a.closed).toEqual([1011, "camera 'cam' stream ended: Connection timed out"]);
  });

  it('gives the camera its stream back when analysis is refused as busy, and starts none until analysis has it', async () => {
    const hub = make();
    const [a, b] = [viewer(), viewer()];
    hub.join('pond', 'u', a);
    hub.join('pond', 'u', b);
    hub.join('other', 'u', viewer());
    analysisWaiting.add('pond');
    hub.giveBackForAnalysis('pond');
    expect(launcher.started[0].stopped).toBe(1);
    expect(launcher.started[1].stopped).toBe(0);
    for (const v of [a, b]) expect(v.closed).toEqual([1011, "camera 'pond' has no stream left for analysis: live view stopped so that analysis gets one"]);
    expect(hub.refusal('pond')).toMatch(/camera 'pond' serves no more streams and its analysis is waiting for one/);
    expect(hub.refusal('pond', false)).toBeNull(); // disabled since: nothing reads it for analysis, whatever ingest said last
    expect(hub.refusal('other')).toBeNull();
    launcher.started[0].handlers.exit({ code: 255, signal: null, lastError: null });
    expect((await registry.getSingleMetric('xl_live_streams_ended_total')!.get()).values).toContainEqual(expect.objectContaining({ labels: { reason: 'analysis_first' }, value: 1 }));
    analysisWaiting.delete('pond');
    expect(hub.refusal('pond')).toBeNull();
    // Refused while no live view ran: nothing to stop, and still no new one until analysis has its stream.
    analysisWaiting.add('idle-cam');
    hub.giveBackForAnalysis('idle-cam');
    expect(hub.refusal('idle-cam')).not.toBeNull();
  });

  it('skips chunks for a viewer whose socket holds too much, without slowing the others', () => {
    const hub = make({ maxBufferedBytes: 65536 });
    const slow = viewer(70_000);
    const fast = viewer(0);
    hub.join('cam', 'u', slow);
    hub.join('cam', 'u', fast);
    launcher.started[0].handlers.data(Buffer.from('x'));
    expect([slow.sent.length, fast.sent.length]).toEqual([0, 1]);
  });

  it('keeps a viewer whose link is a little slower than the stream a second or two behind live, not ~24 s', () => {
    const hub = make({ maxViewersPerStream: 2 }); // defaults otherwise: 800 kbit/s, 25 fps
    let now = 0;
    const link = linkViewer(80_000, () => now); // 640 kbit/s: 80 % of the stream (ADSL, a 4G console, a busy VPN)
    const fast = linkViewer(1_000_000, () => now);
    hub.join('pond', 'rtsp://x', link.v);
    hub.join('pond', 'rtsp://x', fast.v);
    // 25 pictures a second, an I-picture every 12th: ~100 KB/s, read from ffmpeg's stdout in 4 kB pieces.
    let pending = Buffer.alloc(0);
    let sent = 0;
    for (let frame = 0; now < 120_000; frame++) {
      pending = Buffer.concat([pending, tsPicture(frame % 12 === 0, frame % 12 === 0 ? 12_000 : 3300)]);
      while (pending.length >= 4096) {
        launcher.started[0].handlers.data(pending.subarray(0, 4096));
        sent += 4096;
        pending = pending.subarray(4096);
      }
      now += 40;
      jest.advanceTimersByTime(40); // keeps the no-data timer quiet
      link.drain(40);
      fast.drain(40);
    }
    expect(sent).toBeGreaterThan(11_000_000);
    expect(Math.max(...link.delivered.slice(-500))).toBeLessThan(3000); // before: 24 s, for as long as it watched
    expect(Math.max(...fast.delivered)).toBeLessThan(100); // a viewer that keeps up misses nothing
    expect(fast.delivered.length).toBe(sent / 4096);
  });

  it('stops a viewer that falls behind at the end of a picture and resumes it at the next I-picture: whole pictures, no artefacts', async () => {
    const hub = make();
    const gop = [true, false, false, false];
    const pictures = [...gop, ...gop, true, false].map((key) => tsPicture(key, key ? 2500 : 800));
    const ts = Buffer.concat(pictures);
    const starts = pictures.map((_, i) => pictures.slice(0, i).reduce((n, p) => n + p.length, 0));
    const v = viewer();
    hub.join('cam', 'u', v);
    const chunk = (i: number) => launcher.started[0].handlers.data(ts.subarray(i * 1000, i * 1000 + 1000)); // pieces across packets and pictures
    for (let i = 0; i < 3; i++) chunk(i);
    v.bufferedBytes = 500_000; // the link stalls while the 2nd picture is on its way: 5 s of video unsent, under maxBufferedBytes
    for (let i = 3; i < 6; i++) chunk(i);
    v.bufferedBytes = 0; // caught up during the 2nd I-picture, which the viewer did not get from its start
    for (let i = 6; i * 1000 < ts.length; i++) chunk(i);
    // Up to the start of the picture after the one on its way, then from the 3rd I-picture on.
    expect(starts[2]).toBeGreaterThan(3000);
    expect(starts[4]).toBeLessThan(6000);
    expect(Buffer.concat(v.sent).equals(Buffer.concat([ts.subarray(0, starts[2]), ts.subarray(starts[8])]))).toBe(true);
    expect((await registry.getSingleMetric('xl_live_viewers_behind_total')!.get()).values[0]?.value).toBe(1);
  });

  it('refuses viewers beyond maxViewersPerStream and streams beyond maxStreams, naming the bound', () => {
    const hub = make();
    hub.join('a', 'u', viewer());
    hub.join('a', 'u', viewer());
    expect(hub.refusal('a')).toMatch(/camera 'a' has 2 live viewers.*maxViewersPerStream/);
    hub.join('b', 'u', viewer());
    expect(hub.refusal('c')).toMatch(/2 cameras are already streaming.*XL_LIVE_MAX_STREAMS=2/);
    expect(hub.refusal('b')).toBeNull();
    expect(make({ maxStreams: 0 }).refusal('a')).toMatch(/turned off/);
  });

  it('lets one caller watch at most maxStreamsPerCaller cameras, counting cameras, not its viewers, and not the others', () => {
    const hub = make({ maxStreams: 8, maxStreamsPerCaller: 2 });
    hub.join('a', 'u', viewer(0, 'api_key:wall'));
    hub.join('a', 'u', viewer(0, 'api_key:wall')); // a second tab of the same camera
    expect(hub.callerRefusal('b', 'api_key:wall')).toBeNull();
    const b = viewer(0, 'api_key:wall');
    hub.join('b', 'u', b);
    expect(hub.callerRefusal('c', 'api_key:wall')).toMatch(/already watching 2 cameras live.*XL_LIVE_MAX_STREAMS_PER_CALLER=2/);
    expect(hub.callerRefusal('a', 'api_key:wall')).toBeNull(); // another tab of one it watches
    expect(hub.callerRefusal('c', 'user:op')).toBeNull(); // the operator is not the key
    hub.join('c', 'u', viewer(0, 'user:op'));
    expect(hub.callerRefusal('c', 'api_key:wall')).toMatch(/already watching 2/); // a running stream is another camera too
    hub.leave('b', b);
    expect(hub.callerRefusal('c', 'api_key:wall')).toBeNull(); // left b (its transcoder idles, stopping later)
    jest.advanceTimersByTime(1000);
    expect(hub.callerRefusal('c', 'api_key:wall')).toBeNull();
  });

  it("no longer counts a caller's viewers closed by analysis first, nor one whose socket is closing (a slow link's queued video)", () => {
    const hub = make({ maxStreams: 8, maxStreamsPerCaller: 1 });
    hub.join('a', 'u', viewer(0, 'user:op'));
    expect(hub.callerRefusal('b', 'user:op')).toMatch(/already watching 1 cameras/);
    hub.giveBackForAnalysis('a');
    expect(hub.callerRefusal('b', 'user:op')).toBeNull();
    const switching = viewer(0, 'user:op');
    hub.join('c', 'u', switching);
    expect(hub.callerRefusal('pond', 'user:op')).toMatch(/already watching 1 cameras/);
    switching.open = false; // the tile switched to the pond: its old socket closes, still in the hub until closed
    expect(hub.callerRefusal('pond', 'user:op')).toBeNull();
  });

  it('bounds the live views one caller holds open, also of one camera, so that one key cannot take every viewer slot of the pond', () => {
    const hub = make({ maxStreams: 8, maxStreamsPerCaller: 2, maxViewersPerStream: 20 });
    for (let i = 0; i < 3; i++) hub.join('pond', 'u', viewer(0, 'api_key:wall'));
    expect(hub.callerRefusal('pond', 'api_key:wall')).toBeNull(); // a fourth screen of the same camera
    hub.join('pond', 'u', viewer(0, 'api_key:wall'));
    expect(hub.callerRefusal('pond', 'api_key:wall')).toMatch(/already have 4 live views open.*2 × XL_LIVE_MAX_STREAMS_PER_CALLER=2/);
    expect(hub.callerRefusal('dam', 'api_key:wall')).toMatch(/already have 4 live views/);
    expect(hub.callerRefusal('pond', 'user:op')).toBeNull(); // the operator gets the pond
    expect(hub.refusal('pond')).toBeNull();
  });

  it('stopAll closes every viewer with 1001 and stops every transcoder', () => {
    const hub = make();
    const a = viewer();
    hub.join('a', 'u', a);
    hub.join('b', 'u', viewer());
    hub.stopAll();
    expect(launcher.started.map((s) => s.stopped)).toEqual([1, 1]);
    expect(a.closed?.[0]).toBe(1001);
  });
});

import type { Logger } from '@xl/observability';
import type { LiveSource, LiveSourceExit, LiveSourceLauncher } from './live-source';
import type { LiveViewMetrics, StreamEndReason } from './live-view.metrics';
import type { LiveViewOptions } from './live-view.options';
import { closeReason } from '../shared/ws-close-reason';
import { pictureStarts, type PictureStart } from './mpeg-ts';

/** A viewer's socket as the hub sees it. */
export interface LiveViewer {
  /** Bytes accepted by the socket and not yet sent. */
  readonly bufferedBytes: number;
  /** Who watches (`user:<id>`, `api_key:<id>`): one caller watches at most `maxStreamsPerCaller` cameras (callerRefusal()). */
  readonly caller: string;
  /** False once the socket is closing: it leaves the hub only when closed, which a slow or vanished client delays (up to ws's 30 s). */
  readonly open: boolean;
  send(chunk: Buffer): void;
  close(code: number, reason: string): void;
}

/** A transcoder that ran this long before it ended by itself is started again for its viewers (exited()). */
export const RESPAWN_AFTER_RUN_MS = 10_000;
/** Live views one caller may hold open per camera of its bound, on average (second screens, a renewal's overlap): 2 × maxStreamsPerCaller in all. */
export const VIEWERS_PER_CALLER_CAMERA = 2;
/** WebSocket close code for "the stream failed" (the console tile shows no live picture and retries 20 s later). */
export const STREAM_FAILED = 1011;

interface Stream {
  cameraId: string;
  /** What it transcodes: another address (camera edited, or deleted and created again) restarts it for the same viewers (switchSource). */
  url: string;
  source: LiveSource;
  viewers: Set<LiveViewer>;
  /** Bytes of ffmpeg's output so far: where its TS packets begin in the next chunk. */
  position: number;
  /** When this transcoder started (performance.now(): a wall clock step is no run time): one that ran RESPAWN_AFTER_RUN_MS before it ended is started again. */
  startedAt: number;
  /** Viewers that fell behind (forward()), and where they are in catching up. */
  behind: Map<LiveViewer, Behind>;
  idleTimer?: NodeJS.Timeout;
  dataTimer?: NodeJS.Timeout;
  /** Why we stopped it (undefined: it exited on its own). */
  stopping?: StreamEndReason;
}

/**
 * A viewer that fell behind: `finishing` the picture on its way (`bytes` sent since), then
 * `skipping` until its socket has caught up and an I-picture starts (`bytes` skipped once caught up).
 */
interface Behind {
  skipping: boolean;
  bytes: number;
}

/**
 * One transcoder per camera, shared by its viewers: started by the first viewer, stopped
 * `idleStopMs` after the last one leaves, when it sends nothing for `noDataTimeoutMs`, or at
 * shutdown. Viewers of a stream that ends are closed with 1011 and a reason; a stream restarted on
 * the camera's new address keeps them.
 */
export class LiveViewHub {
  private readonly streams = new Map<string, Stream>();
  /** Unsent video beyond which a viewer has fallen behind: `maxLagMs` of the stream (forward()). */
  private readonly lagBytes: number;
  /** Skipped past this much after catching up without seeing an I-picture (not the MPEG-TS expected), a viewer goes on anywhere. */
  private readonly keyWaitBytes: number;

  constructor(
    private readonly launcher: LiveSourceLauncher,
    private readonly options: LiveViewOptions,
    private readonly metrics: LiveViewMetrics,
    private readonly logger: Logger,
    /** Cameras that refuse ingest's analysis reader as busy (AnalysisStreams): no live view for them. */
    private readonly analysis: { isWaiting(cameraId: string): boolean },
  ) {
    this.lagBytes = Math.min(Math.round((options.bitrateKbps * options.maxLagMs) / 8), options.maxBufferedBytes);
    this.keyWaitBytes = options.bitrateKbps * 125 * 2; // 2 s of the stream: four I-pictures at 25 fps
  }

  /**
   * Why a new viewer of `cameraId` cannot join now, or null when it can. `analysed`: the camera is
   * enabled — a disabled one steps aside for no analysis (nothing reads it, whatever ingest said last).
   */
  refusal(cameraId: string, analysed = true): string | null {
    if (analysed && this.analysis.isWaiting(cameraId)) return `camera '${cameraId}' serves no more streams and its analysis is waiting for one: no live view until analysis has it`;
    const stream = this.streams.get(cameraId);
    if (stream && !stream.stopping) {
      return stream.viewers.size >= this.options.maxViewersPerStream ? `camera '${cameraId}' has ${stream.viewers.size} live viewers, the most this instance serves (maxViewersPerStream)` : null;
    }
    if (this.options.maxStreams === 0) return 'the live view is turned off on this instance (XL_LIVE_MAX_STREAMS=0)';
    if (this.running() >= this.options.maxStreams) return `${this.running()} cameras are already streaming live, the most this instance transcodes (XL_LIVE_MAX_STREAMS=${this.options.maxStreams})`;
    return null;
  }

  /**
   * Why `caller` may not watch `cameraId` now because of its own other viewers, or null. One user or
   * API key watches at most `maxStreamsPerCaller` cameras at once on this instance, and holds at most
   * VIEWERS_PER_CALLER_CAMERA × that many live views: without them, one key or console left on a wall
   * could take every stream the instance transcodes, or every viewer slot of the pond, and the
   * operator who opens the drowning pond would be refused. Another viewer of a camera it already
   * watches (a second screen) is not another camera. A viewer whose socket is closing no longer
   * counts: a tile switched to the pond on a slow link would otherwise be refused until the old
   * socket's queued video drained.
   */
  callerRefusal(cameraId: string, caller: string): string | null {
    const watched = new Set<string>();
    let viewers = 0;
    for (const stream of this.streams.values()) {
      for (const viewer of stream.viewers) {
        if (viewer.caller !== caller || !viewer.open) continue;
        viewers++;
        watched.add(stream.cameraId);
      }
    }
    const max = this.options.maxStreamsPerCaller;
    if (viewers >= max * VIEWERS_PER_CALLER_CAMERA) {
      return `you already have ${viewers} live views open on this instance, the most one user or API key may (${VIEWERS_PER_CALLER_CAMERA} × XL_LIVE_MAX_STREAMS_PER_CALLER=${max}): close one first`;
    }
    if (watched.has(cameraId) || watched.size < max) return null;
    return `you are already watching ${watched.size} cameras live on this instance, the most one user or API key may (XL_LIVE_MAX_STREAMS_PER_CALLER=${max}): close one first`;
  }

  /**
   * Adds a viewer; starts the camera's transcoder when it is the first, and restarts it on `url` for
   * all its viewers when it reads another address (switchSource). Call refusal() first.
   */
  join(cameraId: string, url: string, viewer: LiveViewer): void {
    this.switchSource(cameraId, url);
    let stream = this.streams.get(cameraId);
    if (stream?.stopping) stream = undefined; // a stopping one is replaced (its exit no longer matters)
    if (!stream) stream = this.start(cameraId, url);
    clearTimeout(stream.idleTimer);
    stream.idleTimer = undefined;
    stream.viewers.add(viewer);
    this.metrics.viewers.inc();
  }

  leave(cameraId: string, viewer: LiveViewer): void {
    const stream = this.streams.get(cameraId);
    if (!stream || !stream.viewers.delete(viewer)) return;
    stream.behind.delete(viewer);
    this.metrics.viewers.dec();
    if (stream.viewers.size === 0 && !stream.stopping) {
      stream.idleTimer = setTimeout(() => this.stop(stream, 'idle'), this.options.idleStopMs);
      stream.idleTimer.unref();
    }
  }

  /**
   * The camera's address changed (edited, or the id deleted and created again) while its stream ran:
   * its viewers must not go on watching the old address, and closing them would leave their consoles
   * without a picture until the tile retries (~20 s). So the old transcoder is stopped and one on `url`
   * started for the same viewers, on their sockets. Scope is per camera id, which has not changed; the
   * caller re-checks their scope if the id may now name another camera (LiveViewServer does).
   * Returns false, changing nothing, when no stream of the camera runs or it already reads `url`.
   */
  switchSource(cameraId: string, url: string): boolean {
    const old = this.streams.get(cameraId);
    if (!old || old.stopping || old.url === url) return false;
    const { viewers } = old;
    old.viewers = new Set(); // the old transcoder's last chunks reach no one
    this.stop(old, 'source_changed');
    if (viewers.size === 0) return true; // an idle one is not restarted: no one watches it
    this.start(cameraId, url, viewers);
    this.logger.info({ cameraId, viewers: viewers.size }, "live view: camera's address changed, its viewers moved to a transcoder on the new one");
    return true;
  }

  /**
   * Analysis goes first: the camera refused ingest's analysis reader as busy (it serves no more
   * streams), so the stream this instance's live view holds, if any, goes back to the camera. No new
   * one starts while `analysis.isWaiting` says so (refusal()).
   */
  giveBackForAnalysis(cameraId: string): void {
    const stream = this.streams.get(cameraId);
    if (stream) this.stop(stream, 'analysis_first');
  }

  /**
   * The viewers' periodic re-check's half of "analysis goes first": a camera found enabled
   * (`analysed`) while its analysis waits for a stream gets its stream back (giveBackForAnalysis).
   * That covers a refusal this instance missed, and one that came while the camera was disabled and
   * watched (allowed then): ingest reports a new reader's refusal once, and must not wait for the
   * viewers to leave. True when the analysis waits: nothing else is to be done for the camera's viewers.
   */
  giveBackIfAnalysisWaits(cameraId: string, analysed: boolean): boolean {
    if (!analysed || !this.analysis.isWaiting(cameraId)) return false;
    this.giveBackForAnalysis(cameraId);
    return true;
  }

  /** Cameras streaming now, with their viewer counts and ffmpeg pids. */
  active(): { cameraId: string; viewers: number; pid: number | undefined }[] {
    return [...this.streams.values()].map((s) => ({ cameraId: s.cameraId, viewers: s.viewers.size, pid: s.source.pid }));
  }

  stopAll(): void {
    for (const stream of [...this.streams.values()]) this.stop(stream, 'shutdown');
  }

  private running(): number {
    return [...this.streams.values()].filter((s) => !s.stopping).length;
  }

  private start(cameraId: string, url: string, viewers = new Set<LiveViewer>()): Stream {
    const { width, frameRate, bitrateKbps } = this.options;
    const stream = { cameraId, url, viewers, position: 0, startedAt: performance.now(), behind: new Map() } as Stream;
    stream.source = this.launcher.start(url, { width, frameRate, bitrateKbps }, {
      data: (chunk) => this.forward(stream, chunk),
      exit: (exit) => this.exited(stream, exit),
    });
    this.streams.set(cameraId, stream);
    this.metrics.streams.set(this.streams.size);
    this.armDataTimer(stream);
    this.logger.info({ cameraId, pid: stream.source.pid }, 'live view: transcoder started');
    return stream;
  }

  private forward(stream: Stream, chunk: Buffer): void {
    this.armDataTimer(stream);
    const position = stream.position;
    stream.position += chunk.length;
    let starts: PictureStart[] | undefined; // looked for only when a viewer is behind
    const startsOf = () => (starts ??= pictureStarts(chunk, position));
    for (const viewer of stream.viewers) {
      if (!stream.behind.has(viewer) && viewer.bufferedBytes <= this.lagBytes) viewer.send(chunk);
      else this.catchUp(stream, viewer, chunk, startsOf);
    }
  }

  /**
   * A viewer whose socket holds more than `lagBytes` unsent (its link is slower than the stream) would
   * watch the pond as late as its buffer is long — 21 s behind at 2 MiB, shown as live. So it falls
   * behind: it gets the rest of the picture on its way (a cut picture would stay on screen garbled),
   * then nothing until its socket is back under `lagBytes`, and goes on at the next I-picture, from
   * the TS packet that starts it. JSMpeg thus receives whole packets and whole pictures with a gap in
   * time between them: a pause, then the live picture, never a smeared one. Without picture starts
   * (not the MPEG-TS ffmpeg writes) it stops after `lagBytes` more and goes on after `keyWaitBytes`;
   * the player then resynchronises on the next packet and sequence header, with artefacts until an
   * I-picture. Beyond `maxBufferedBytes` nothing is sent, whatever the state.
   */
  private catchUp(stream: Stream, viewer: LiveViewer, chunk: Buffer, startsOf: () => PictureStart[]): void {
    let behind = stream.behind.get(viewer);
    if (!behind) {
      behind = { skipping: false, bytes: 0 };
      stream.behind.set(viewer, behind);
      this.metrics.behind.inc();
    }
    const overBound = viewer.bufferedBytes > this.options.maxBufferedBytes;
    let from = 0;
    if (!behind.skipping) {
      const next = startsOf()[0]?.offset;
      if (next === undefined && !overBound && behind.bytes + chunk.length <= this.lagBytes) {
        viewer.send(chunk); // the picture goes on
        behind.bytes += chunk.length;
        return;
      }
      from = next ?? chunk.length;
      if (from > 0 && !overBound) viewer.send(chunk.subarray(0, from));
      behind.skipping = true;
      behind.bytes = 0;
    }
    if (viewer.bufferedBytes > this.lagBytes) return; // still draining
    const key = startsOf().find((s) => s.key && s.offset >= from);
    if (key || behind.bytes >= this.keyWaitBytes) {
      stream.behind.delete(viewer);
      const resume = key?.offset ?? from;
      if (resume < chunk.length) viewer.send(resume === 0 ? chunk : chunk.subarray(resume));
      return;
    }
    behind.bytes += chunk.length - from;
  }

  private armDataTimer(stream: Stream): void {
    clearTimeout(stream.dataTimer);
    stream.dataTimer = setTimeout(() => this.stop(stream, 'no_data'), this.options.noDataTimeoutMs);
    stream.dataTimer.unref();
  }

  private stop(stream: Stream, reason: StreamEndReason): void {
    if (stream.stopping) return;
    stream.stopping = reason;
    clearTimeout(stream.idleTimer);
    clearTimeout(stream.dataTimer);
    // An idle stream has no viewers; one whose address changed handed its viewers to the new one.
    if (reason !== 'idle' && reason !== 'source_changed') {
      const why =
        reason === 'no_data'
          ? `no video from camera '${stream.cameraId}' for ${this.options.noDataTimeoutMs / 1000} s`
          : reason === 'analysis_first'
            ? `camera '${stream.cameraId}' has no stream left for analysis: live view stopped so that analysis gets one`
            : 'server shutting down';
      this.closeViewers(stream, reason === 'shutdown' ? 1001 : STREAM_FAILED, why);
    }
    stream.source.stop();
    this.logger.info({ cameraId: stream.cameraId, pid: stream.source.pid, reason }, 'live view: transcoder stopped');
  }

  private exited(stream: Stream, exit: LiveSourceExit): void {
    clearTimeout(stream.idleTimer);
    clearTimeout(stream.dataTimer);
    if (this.streams.get(stream.cameraId) === stream) this.streams.delete(stream.cameraId);
    this.metrics.streams.set(this.streams.size);
    this.metrics.ended.inc({ reason: stream.stopping ?? 'exited' });
    if (stream.stopping) return;
    const detail = exit.lastError ?? (exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`);
    const ranMs = performance.now() - stream.startedAt;
    this.logger.warn({ cameraId: stream.cameraId, code: exit.code, signal: exit.signal, detail, ranMs }, 'live view: transcoder ended by itself');
    // A stream that had been running (a network blip, the camera's RTSP session dropped) starts again
    // at once on its viewers' sockets, as an address change does: closed, the tiles would notice only
    // after their stall watchdog and retry ~28 s later — during a rescue, too. One that ended soon
    // after starting (camera unreachable, refused) is given up, so a dead camera is not hammered.
    const again = stream.viewers.size > 0 && ranMs >= RESPAWN_AFTER_RUN_MS && !this.streams.has(stream.cameraId) && !this.analysis.isWaiting(stream.cameraId);
    if (again) {
      this.start(stream.cameraId, stream.url, stream.viewers);
      this.metrics.respawns.inc();
      return;
    }
    this.closeViewers(stream, STREAM_FAILED, `camera '${stream.cameraId}' stream ended: ${detail}`);
  }

  private closeViewers(stream: Stream, code: number, reason: string): void {
    for (const viewer of stream.viewers) {
      this.metrics.viewers.dec();
      // One viewer's socket failing to close must neither keep the others open nor reach the caller:
      // this runs in the transcoder's 'close' listener, where a throw ends the process.
      try {
        viewer.close(code, closeReason(reason));
      } catch (err) {
        this.logger.warn({ cameraId: stream.cameraId, err: (err as Error).message }, 'live view: closing a viewer failed');
      }
    }
    stream.viewers.clear();
  }
}

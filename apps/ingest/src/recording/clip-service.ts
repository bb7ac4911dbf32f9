// Evidence clips of the cameras this ingest process owns. Orchestration only: requests come from
// alerts-api through a stream, segments from each camera's recorder, files go to the shared evidence
// directory through the writer, results back through a stream.
import type { CameraConfig, RecordingConfig } from '@xl/config';
import type { ClipRequest, ClipResult } from '@xl/contracts';
import { planClip, type ClipPlan } from '@xl/media';
import type { Logger } from '@xl/observability';
import { ClipResultOutbox } from './clip-result-outbox';
import { GAP_TOLERANCE_MS, writeClip } from './clip-writing';
import { clipWindow, mergeRequests } from './clip-window';
import type { ClipRequestFeed, ClipResultSink, EvidenceWriter, Recorder } from './ports';

export interface ClipServiceDeps {
  requests: ClipRequestFeed;
  results: ClipResultSink;
  writer: EvidenceWriter;
  log: Logger;
  ingestId: string;
  now?: () => number;
}

export interface ClipServiceOptions {
  /** How often pending clips are checked. */
  tickMs: number;
  /**
   * Longest a starting recorder waits for the recent requests it pins (keepRequestedSegments): then it
   * starts without them. Recording goes first. Default 3000 ms.
   */
  recentRequestsWaitMs?: number;
}

interface Camera {
  config: CameraConfig;
  recorder: Recorder | null;
}

interface Clip {
  request: ClipRequest;
  /** End of the window the clip on disk covers; 0 while none was cut. */
  cutTo: number;
  /** When the clip was last cut; 0 while none was. */
  cutAt: number;
  /** When the alert's latest request (or update) arrived here. */
  requestAt: number;
  /** Picked up from the previous owner's requests: its clip may still appear (cut at its hand-over). */
  takenOver?: boolean;
  /** Cuts of the current window that failed in a row; the next is not tried before `retryCutAt`. */
  cutFailures?: number;
  retryCutAt?: number;
}


/**
 * A failed cut may be passing (no space left until retention frees some, ffmpeg timed out on an
 * overloaded host; ffmpeg's message does not tell these apart reliably): it is tried again, while its
 * segments stay pinned, up to this many attempts in all, after these delays.
 */
export const MAX_CUT_ATTEMPTS = 3;
const CUT_RETRY_DELAYS_MS = [10_000, 60_000];

/** A hand-over clip still to cut, by alert. */
interface Handover {
  cameraId: string;
  /** Start of its window: the camera's segments from here on are still needed. */
  fromMs: number;
}

/** The pin a camera's next recorder holds for a hand-over clip (apart from its own pin of the same alert). */
const handoverPin = (alertId: string) => `handover:${alertId}`;

export class ClipService {
  private readonly cameras = new Map<string, Camera>();
  private readonly clips = new Map<string, Clip>();
  private timer: NodeJS.Timeout | null = null;
  private unfollow: (() => Promise<void>) | null = null;
  private serial: Promise<unknown> = Promise.resolve();
  /** Hand-over cuts still to come (stop() waits for them). */
  private readonly handovers = new Set<Promise<void>>();
  /** Alerts whose clip this process cuts at a hand-over: not taken over again if the camera comes back. */
  private readonly handingOver = new Map<string, Handover>();
  /** Recorders started on a camera's directory while its hand-over clips are still to cut (they pin them). */
  private readonly keepers = new Map<string, Set<Recorder>>();
  private readonly now: () => number;
  /** Results whose publish failed, published again on later ticks (they outlive their camera's detach). */
  private readonly outbox: ClipResultOutbox;

  constructor(
    private readonly deps: ClipServiceDeps,
    private readonly options: ClipServiceOptions,
  ) {
    this.now = deps.now ?? Date.now;
    this.outbox = new ClipResultOutbox({
      sink: deps.results,
      log: deps.log,
      now: this.now,
      describesFileOnDisk: async (result, placedId) => (await this.fileAt(result.cameraId, result.alertId, placedId)) === placedId,
    });
  }

  async start(): Promise<void> {
    this.unfollow = await this.deps.requests.follow((request) => this.onRequest(request));
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.unfollow?.();
    await Promise.all(this.handovers);
    await this.serial;
    // The hand-over results of the cameras just released among them: one last try, then they are lost.
    await this.exclusive(() => this.outbox.flush(true));
    this.outbox.abandon();
  }

  /** Cameras recorded here, or with hand-over clips still to cut: their segments are still needed. */
  camerasInUse(): Set<string> {
    const recorded = [...this.cameras].filter(([, c]) => c.recorder).map(([id]) => id);
    return new Set([...recorded, ...[...this.handingOver.values()].map((h) => h.cameraId)]);
  }

  /**
   * A recorder about to start in the directory of a camera whose hand-over clips are still to cut (the
   * camera restarted for a configuration change, or came back): it keeps their segments until they are
   * cut. Its own trimming, at start and after each segment, would delete them under the cut otherwise.
   */
  keepHandoverSegments(cameraId: string, recorder: Recorder): void {
    const pending = [...this.handingOver].filter(([, h]) => h.cameraId === cameraId);
    if (!pending.length) return;
    for (const [alertId, { fromMs }] of pending) recorder.pin(handoverPin(alertId), fromMs);
    const keepers = this.keepers.get(cameraId) ?? new Set<Recorder>();
    this.keepers.set(cameraId, keepers.add(recorder));
  }

  /**
   * A recorder about to start in the directory of a camera this process takes on (ingest restarted on
   * this host, the camera restarted or moved here): its first trim, at start, keeps `windowSeconds`,
   * but attach() — after the start — takes over requests of the last window + pre + post, whose
   * pre-roll lies further back. Their segments are pinned until attach() has pinned what it keeps:
   * call the returned function then. Recent requests unreadable (Redis away): nothing pinned, as before.
   */
  async keepRequestedSegments(config: CameraConfig, recorder: Recorder): Promise<() => void> {
    const waitMs = this.options.recentRequestsWaitMs ?? 3000;
    let timer: NodeJS.Timeout | undefined;
    let recent: Map<string, ClipRequest> | null;
    try {
      recent = await Promise.race([
        this.recentRequests(config),
        new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs))),
      ]);
    } catch (err) {
      this.deps.log.warn({ camera: config.id, err: (err as Error).message }, 'recent clip requests not read before the recorder started: their pre-roll may be trimmed');
      return () => undefined;
    } finally {
      clearTimeout(timer);
    }
    if (!recent) {
      // A late answer is dropped (its pins would never be let go).
      this.deps.log.warn({ camera: config.id, waitedMs: waitMs }, 'recent clip requests not read in time before the recorder started: their pre-roll may be trimmed');
      return () => undefined;
    }
    const { windowSeconds, holdSeconds } = config.recording;
    // No further back than tick() would keep them.
    const oldestKept = this.now() - (windowSeconds + holdSeconds) * 1000;
    const keys: string[] = [];
    for (const [alertId, request] of recent) {
      const key = `takeover:${alertId}`;
      recorder.pin(key, Math.max(clipWindow(request, config.recording).from, oldestKept));
      keys.push(key);
    }
    return () => keys.forEach((key) => recorder.unpin(key));
  }

  /** The camera's requests of the last window + pre + post, each alert's merged into one (oldest first: entry, then updates). */
  private async recentRequests(config: CameraConfig): Promise<Map<string, ClipRequest>> {
    const { preSeconds, postSeconds, windowSeconds } = config.recording;
    const recent = await this.deps.requests.since(this.now() - (windowSeconds + preSeconds + postSeconds) * 1000);
    const byAlert = new Map<string, ClipRequest>();
    for (const request of recent) {
      if (request.cameraId !== config.id) continue;
      const earlier = byAlert.get(request.alertId);
      byAlert.set(request.alertId, earlier ? mergeRequests(earlier, request) : request);
    }
    return byAlert;
  }

  /** A camera this process owns now. Requests of its recent alerts (another owner's, before) are picked up. */
  async attach(config: CameraConfig, recorder: Recorder | null): Promise<void> {
    this.cameras.set(config.id, { config, recorder });
    const recent = await this.recentRequests(config);
    // Alerts known before: their requests reached this process already. Known as of now, not as the loop
    // goes, and an alert's requests merged into one: otherwise its first request alone would be taken
    // over, without the update (the going-under) that extends it.
    const known = new Set([...this.clips.keys(), ...this.handingOver.keys()]);
    for (const request of recent.values()) {
      if (known.has(request.alertId)) continue;
      // The previous owner cut it (possibly short, at hand-over): its clip stands, ours would lack the start.
      if (await this.deps.writer.exists(this.deps.writer.clipPath(request.cameraId, request.alertId))) continue;
      if (this.cameras.get(config.id)?.config !== config) return; // detached meanwhile
      this.onRequest(request);
      const clip = this.clips.get(request.alertId);
      if (clip) clip.takenOver = true;
    }
  }

  /**
   * The camera leaves this process (lease lost or handed back, configuration changed): its recorder
   * is stopped, then what is pending is cut from what was recorded, flagged as cut short by the
   * hand-over. Only this attachment of the camera (a restarted camera may be attached again already).
   * Resolves once those clips are cut; the camera's lease need not wait for that.
   */
  detach(config: CameraConfig): Promise<void> {
    const camera = this.cameras.get(config.id);
    if (!camera || camera.config !== config) return Promise.resolve();
    this.cameras.delete(config.id);
    const pending: Clip[] = [];
    for (const [alertId, clip] of this.clips) {
      if (clip.request.cameraId !== config.id) continue;
      this.clips.delete(alertId);
      this.handingOver.set(alertId, { cameraId: config.id, fromMs: clipWindow(clip.request, config.recording).from });
      pending.push(clip);
    }
    const handover = (async () => {
      await camera.recorder?.stop();
      if (!pending.length) return;
      await this.exclusive(async () => {
        for (const clip of pending) {
          try {
            if (clip.cutTo < clipWindow(clip.request, camera.config.recording).to) await this.cut(camera, clip, 'handover');
          } finally {
            this.handedOver(clip.request.alertId, config.id);
          }
        }
      });
    })();
    this.handovers.add(handover);
    void handover.finally(() => this.handovers.delete(handover));
    return handover;
  }

  /** A hand-over clip is cut: the camera's next recorder may let its segments go. */
  private handedOver(alertId: string, cameraId: string): void {
    this.handingOver.delete(alertId);
    const keepers = this.keepers.get(cameraId);
    for (const recorder of keepers ?? []) recorder.unpin(handoverPin(alertId));
    if (![...this.handingOver.values()].some((h) => h.cameraId === cameraId)) this.keepers.delete(cameraId);
  }

  /** A request (or an update extending one) for a camera of this process. */
  onRequest(request: ClipRequest): void {
    const camera = this.cameras.get(request.cameraId);
    if (!camera) return; // another process owns it
    const known = this.clips.get(request.alertId);
    const merged = known ? mergeRequests(known.request, request) : request;
    // An update keeps all that is known of the entry: what was cut, and whether it was taken over (the
    // previous owner's hand-over clip, with the event's start, must still be left alone). Its longer
    // window gets cut attempts of its own.
    this.clips.set(request.alertId, { cutTo: 0, cutAt: 0, ...known, cutFailures: 0, request: merged, requestAt: this.now() });
    camera.recorder?.pin(request.alertId, clipWindow(merged, camera.config.recording).from);
  }

  /** Cuts every clip whose window has passed (or that waited long enough); forgets those past their hold (`recording.holdSeconds`). */
  tick(): Promise<void> {
    return this.exclusive(async () => {
      const now = this.now();
      for (const [alertId, clip] of this.clips) {
        const camera = this.cameras.get(clip.request.cameraId);
        if (!camera) continue;
        const { recording, watchdog } = camera.config;
        const { from, to } = clipWindow(clip.request, recording);
        // An alert updated again and again (a boat moored all night) would pin its whole length and
        // fill the disk: the ring keeps at most windowSeconds + holdSeconds of it behind now, and the
        // clip of a longer alert starts there.
        const oldestKept = now - (recording.windowSeconds + recording.holdSeconds) * 1000;
        if (from < oldestKept) camera.recorder?.pin(alertId, oldestKept);
        if (clip.cutTo >= to) {
          // Kept with its segments pinned so that an update, even minutes later (the person who entered
          // the water going under), re-cuts one clip from the alert's start: forgotten, its clip would be
          // re-cut from a ring that no longer holds the start, and replace the complete one.
          const heldUntil = Math.max(
            clip.cutAt + recording.windowSeconds * 1000,
            Math.max(clip.requestAt, clip.cutAt) + recording.holdSeconds * 1000,
          );
          if (now > heldUntil) {
            camera.recorder?.unpin(alertId);
            this.clips.delete(alertId);
          }
          continue;
        }
        // Due once a closed segment reaches the end, or after a grace for a camera that stopped
        // delivering; a recording arriving late (a slow uplink) has its moments on disk that much later.
        const graceMs = (2 * recording.segmentSeconds + watchdog.stallSeconds + (camera.recorder?.delaySeconds ?? 0)) * 1000;
        const recorded = camera.recorder ? camera.recorder.recordedUntil >= to : false;
        if (!recorded && now < to + graceMs) continue;
        if (clip.retryCutAt && now < clip.retryCutAt) continue;
        if (clip.takenOver && !clip.cutTo && (await this.previousOwnerCut(clip))) continue;
        await this.cut(camera, clip, null);
      }
      await this.outbox.flush();
    });
  }

  /**
   * The previous owner releases the camera before cutting its pending clips, so the clip of a request
   * taken over may appear after the take-over: that clip holds the start of the event and stands.
   */
  private async previousOwnerCut(clip: Clip): Promise<boolean> {
    const { request } = clip;
    if (!(await this.deps.writer.exists(this.deps.writer.clipPath(request.cameraId, request.alertId)))) return false;
    this.deps.log.info({ camera: request.cameraId, alertId: request.alertId }, "the previous owner's hand-over clip arrived: left alone");
    this.cameras.get(request.cameraId)?.recorder?.unpin(request.alertId);
    this.clips.delete(request.alertId);
    return true;
  }

  private async cut(camera: Camera, clip: Clip, handover: 'handover' | null): Promise<void> {
    const { request } = clip;
    const { from, to } = clipWindow(request, camera.config.recording);
    const cutBefore = clip.cutTo;
    clip.cutTo = to;
    clip.cutAt = this.now();
    const base: ClipResult = {
      alertId: request.alertId,
      cameraId: request.cameraId,
      status: 'unavailable',
      requestedFrom: from,
      requestedTo: to,
      bytes: 0,
      ingestId: this.deps.ingestId,
      at: this.now(),
    };
    const plan = camera.recorder ? this.plan(camera.recorder, camera.config.recording, request, from, to) : null;
    let result: ClipResult;
    let placedId: string | null = null;
    if (!camera.recorder || !camera.config.recording.enabled) result = { ...base, reason: 'recording_disabled' };
    else if (!plan) result = { ...base, reason: 'no_segments' };
    else ({ result, placedId } = await writeClip(this.deps.writer, this.deps.log, base, plan, request, handover));
    if (result.reason === 'cut_failed') this.cutFailed(clip, cutBefore, handover);
    else clip.cutFailures = 0;
    if (!(await this.describesFileOnDisk(request, placedId))) return;
    // Stamped after that check: of two owners cutting the same clip, the one whose file stands (the
    // later rename) is also the result alerts-api keeps (the latest `at`).
    result.at = this.now();
    this.deps.log.info(
      { camera: request.cameraId, alertId: request.alertId, status: result.status, reason: result.reason, seconds: plan ? plan.durationMs / 1000 : 0 },
      'evidence clip',
    );
    await this.outbox.publish(result, placedId);
  }

  /**
   * A failed cut is tried again on a later tick (its segments stay pinned while the clip is pending),
   * up to MAX_CUT_ATTEMPTS; its `cut_failed` result goes out meanwhile, a later cut's replaces it.
   * Not at a hand-over: the camera is gone, and with it the clip.
   */
  private cutFailed(clip: Clip, cutBefore: number, handover: 'handover' | null): void {
    const { cameraId, alertId } = clip.request;
    clip.cutFailures = (clip.cutFailures ?? 0) + 1;
    if (handover) return;
    if (clip.cutFailures >= MAX_CUT_ATTEMPTS) {
      this.deps.log.error({ camera: cameraId, alertId, attempts: clip.cutFailures, maxAttempts: MAX_CUT_ATTEMPTS }, 'evidence clip not cut: given up');
      return;
    }
    const delayMs = CUT_RETRY_DELAYS_MS[Math.min(clip.cutFailures, CUT_RETRY_DELAYS_MS.length) - 1];
    clip.cutTo = cutBefore; // still due
    clip.retryCutAt = this.now() + delayMs;
    this.deps.log.warn({ camera: cameraId, alertId, attempts: clip.cutFailures, maxAttempts: MAX_CUT_ATTEMPTS, retryInMs: delayMs }, 'evidence clip to be cut again');
  }

  /**
   * The camera's previous owner (at its hand-over) and its new one (taking the request over) may cut
   * the same clip at once, each into a file of its own, renamed into place: the later rename stands.
   * A result is published only while it describes what is at the clip's path — its own file, or, for
   * a result without a file, no file at all — so the result alerts-api keeps is that of the file it serves.
   */
  private async describesFileOnDisk(request: ClipRequest, placedId: string | null): Promise<boolean> {
    if ((await this.fileAt(request.cameraId, request.alertId, placedId)) === placedId) return true;
    this.deps.log.info(
      { camera: request.cameraId, alertId: request.alertId },
      placedId ? 'evidence clip replaced meanwhile by another cut of it (the other owner of the camera): its result stands, not ours' : 'a clip of this alert is on disk (an earlier cut, or the other owner\'s): its result stands, not this one',
    );
    return false;
  }

  /** Id of the alert's clip file on disk now; unreadable (the volume hiccuping): taken as unchanged, since an answer is owed for the alert. */
  private fileAt(cameraId: string, alertId: string, placedId: string | null): Promise<string | null> {
    return this.deps.writer.placedId(this.deps.writer.clipPath(cameraId, alertId)).catch(() => placedId);
  }

  /**
   * The clip's plan from what the ring holds. A long alert's pin moved on to the oldest recording kept
   * (windowSeconds + holdSeconds behind now, tick()): segments before it go at the recorder's next
   * trim, maybe while ffmpeg reads the concat list, so the plan starts there, and the clip is late.
   */
  private plan(recorder: Recorder, recording: RecordingConfig, request: ClipRequest, from: number, to: number): ClipPlan | null {
    const { windowSeconds, holdSeconds } = recording;
    const oldestKept = this.now() - (windowSeconds + holdSeconds) * 1000;
    if (from >= oldestKept) return planClip(recorder.segments(), from, to, GAP_TOLERANCE_MS);
    this.deps.log.info({ camera: request.cameraId, alertId: request.alertId, from, oldestKept }, 'clip of a long alert planned from the oldest recording kept');
    if (oldestKept >= to) return null;
    const plan = planClip(recorder.segments(), oldestKept, to, GAP_TOLERANCE_MS);
    return plan && { ...plan, startedLate: plan.startedLate || oldestKept > from + GAP_TOLERANCE_MS };
  }

  /** Ticks and hand-overs never interleave (a clip is never cut twice at once). */
  private exclusive(fn: () => Promise<void>): Promise<void> {
    const next = this.serial.then(fn, fn).catch((err: Error) => this.deps.log.error({ err: err.message }, 'evidence clips: round failed'));
    this.serial = next;
    return next;
  }
}

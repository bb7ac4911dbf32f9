import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '@xl/observability';
import { claimUpgrade, credentialOf, failUpgrade, HandshakeError, isUpgradeClaimed, reject, selectWsProtocol, upgradeUrlOf } from '../realtime/ws-push-server';
import type { CredentialVerifier, Principal } from '../shared/principal';
import type { PrincipalRef } from '../shared/principal-changes';
import { closeReason } from '../shared/ws-close-reason';
import { STREAM_FAILED, type LiveViewer, type LiveViewHub } from './live-view-hub';
import { liveViewOptionsSchema } from './live-view.options';

const DEFAULT_PING_MS = liveViewOptionsSchema.shape.pingMs.parse(undefined);

/** What the server needs to know about a camera a principal asks to watch. */
export interface LiveCameraLookup {
  /**
   * The URL to transcode (sub stream preferred) and whether the camera is analysed (enabled), or null
   * when the camera does not exist or is out of the caller's scope.
   */
  stream(principal: Principal, cameraId: string): Promise<{ url: string; analysed: boolean } | null>;
}

export interface LiveViewServerDeps {
  hub: LiveViewHub;
  /** Viewers are checked as every route but the renewal is: an expired token is refused. */
  verifier: Pick<CredentialVerifier, 'verify'>;
  cameras: LiveCameraLookup;
  /** Path prefix, e.g. '/live': viewers connect to /live/<cameraId>. */
  path: string;
  /**
   * An open viewer's credential is checked again this often (disabled user, revoked key → 4401;
   * camera out of scope → 4404; camera's address changed → the camera's viewers moved to the new stream),
   * and at once when its user or API key is announced changed (recheckPrincipal).
   */
  reverifyMs: number;
  /** Viewers are pinged this often; one that missed the last 2 pongs is terminated (default: the `pingMs` option's). */
  pingMs?: number;
  logger: Logger;
}

/**
 * The live view endpoint `<path>/<cameraId>` on the app's own HTTP server (same origin as the
 * console): the credential and the caller's scope are checked before the upgrade, then the socket
 * receives the camera's MPEG-TS bytes as binary messages, which JSMpeg plays.
 */
export class LiveViewServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024, perMessageDeflate: false, handleProtocols: selectWsProtocol });
  private attached: Server | undefined;
  private readonly sockets = new Set<WebSocket>();
  /** The re-check of each open viewer, by camera id: all of a camera's run at once when its stream moves to a new address. */
  private readonly rechecks = new Map<string, Set<Recheck>>();
  /** The same re-checks by principal (`kind:id`): all of a user's or key's run at once when it is announced changed. */
  private readonly principalRechecks = new Map<string, Set<Recheck>>();
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.upgrade(req, socket, head).catch((err: unknown) => failUpgrade(socket, err, this.deps.logger));

  constructor(private readonly deps: LiveViewServerDeps) {}

  attach(server: Server): void {
    if (this.attached) throw new Error('LiveViewServer is already attached');
    this.attached = server;
    server.on('upgrade', this.onUpgrade);
  }

  async close(): Promise<void> {
    this.attached?.off('upgrade', this.onUpgrade);
    this.deps.hub.stopAll();
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  /**
   * A user or API key changed (PrincipalChanges, from any instance: disabled, revoked, deleted, its
   * scope or password changed): its viewers here check their credential and scope now, not at their
   * next period (up to reverifyMs later), as its /ws connections do. Each announcement starts a check
   * of its own, which reads the record after the change even while an earlier check is still running.
   */
  recheckPrincipal(changed: PrincipalRef): void {
    for (const recheck of this.principalRechecks.get(principalKey(changed)) ?? []) recheck(true);
  }

  /**
   * Whether `principal` may watch `cameraId` on this instance now: the address to transcode, or why not
   * — 404 the camera is not in its scope, 429 the caller's own bound (theirs to lift, by closing
   * another camera; checked first), 503 the instance's or the camera's. The handshake's decision; the
   * console asks it first (GET /cameras/:id/live) to say at once why a tile gets no picture, which a
   * browser cannot read from a refused handshake.
   */
  async admission(principal: Principal, cameraId: string): Promise<LiveAdmission> {
    return this.decide(principal, cameraId, await this.deps.cameras.stream(principal, cameraId));
  }

  /** admission() once the camera was looked up: synchronous, so that the handshake joins on the state it decided on. */
  private decide(principal: Principal, cameraId: string, stream: { url: string; analysed: boolean } | null): LiveAdmission {
    if (!stream) return { refused: 404, reason: `camera '${cameraId}' not found` };
    const callerRefusal = this.deps.hub.callerRefusal(cameraId, principalKey(principal));
    if (callerRefusal) return { refused: 429, reason: callerRefusal };
    const refusal = this.deps.hub.refusal(cameraId, stream.analysed);
    if (refusal) return { refused: 503, reason: refusal };
    return { url: stream.url };
  }

  private cameraIdOf(pathname: string): string | null | undefined {
    const prefix = `${this.deps.path}/`;
    if (!pathname.startsWith(prefix)) return undefined; // not ours
    let id: string;
    try {
      id = decodeURIComponent(pathname.slice(prefix.length));
    } catch {
      return null; // `%E0`: not UTF-8, so not a camera id
    }
    return /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(id) ? id : null;
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = upgradeUrlOf(req, socket);
    if (!url) return;
    const cameraId = this.cameraIdOf(url.pathname);
    if (cameraId === undefined) {
      // Not ours: once every upgrade handler has seen it, refuse it if none claimed it (/ws claims its own).
      setImmediate(() => !isUpgradeClaimed(req) && !socket.destroyed && reject(socket, 404, 'no WebSocket endpoint here'));
      return;
    }
    claimUpgrade(req);
    socket.on('error', () => socket.destroy());
    let principal: Principal;
    let token: string;
    let streamUrl: string | null;
    try {
      if (cameraId === null) throw new HandshakeError(404, 'not a camera id');
      token = credentialOf(req, url);
      const verified = await this.deps.verifier.verify(token);
      if (!verified) throw new HandshakeError(401, 'invalid or expired credential');
      principal = verified;
      // No await from the decision to hub.join (handleUpgrade calls back at once): two handshakes of
      // one caller cannot both pass its bound, nor two cameras the instance's last stream.
      const admission = this.decide(principal, cameraId, await this.deps.cameras.stream(principal, cameraId));
      if ('refused' in admission) throw new HandshakeError(admission.refused, admission.reason);
      streamUrl = admission.url;
    } catch (err) {
      const status = err instanceof HandshakeError ? err.status : 500;
      if (status === 500) this.deps.logger.error({ err }, 'live view handshake failed');
      reject(socket, status, status === 500 ? 'internal error' : (err as Error).message);
      return;
    }
    if (socket.destroyed) return;
    const id = cameraId as string;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, id, streamUrl as string, token, principal));
  }

  private accept(ws: WebSocket, cameraId: string, streamUrl: string, token: string, principal: Principal): void {
    const { hub, verifier, cameras, reverifyMs, pingMs = DEFAULT_PING_MS, logger } = this.deps;
    const viewer: LiveViewer = {
      get bufferedBytes() {
        return ws.bufferedAmount;
      },
      caller: principalKey(principal),
      get open() {
        return ws.readyState === ws.OPEN;
      },
      send: (chunk) => ws.send(chunk, { binary: true }),
      close: (code, reason) => ws.close(code, closeReason(reason)),
    };
    this.sockets.add(ws);
    // The credential and the scope again: a key or user narrowed, moved out of the camera's region,
    // or the camera deleted, stops seeing its picture within one period, as /ws stops its events.
    // A camera whose address was edited (it pointed at the wrong pond) moves the camera's viewers to
    // the new stream on their sockets: closing them would leave the consoles without a picture until
    // their stall watchdog retries (JSMpeg does not reconnect by itself).
    const recheck: Recheck = (afterChange = false) => {
      const check = async () => {
        const p = await verifier.verify(token);
        if (!p) return ws.close(4401, 'credential no longer valid');
        const camera = await cameras.stream(p, cameraId);
        if (!camera) return ws.close(4404, closeReason(`camera '${cameraId}' no longer in scope`));
        // Analysis goes first, also when this instance missed the refusal or it came while the camera
        // was disabled and watched: its viewers are closed (1011), and no transcoder starts on a new address.
        if (hub.giveBackIfAnalysisWaits(cameraId, camera.analysed)) return;
        if (ws.readyState === ws.OPEN) this.moveToSource(cameraId, camera.url, recheck); // closing: its 'close' leaves the hub
      };
      // A periodic check that fails (the database away) keeps the viewer: the next one decides. One run
      // because something changed — its user or key, the camera's address — closes it: the viewer may
      // have just lost the camera, and would watch it up to reverifyMs longer.
      check().catch(() => afterChange && ws.readyState === ws.OPEN && ws.close(STREAM_FAILED, "could not check your access after a change: the live view reconnects"));
    };
    const reverify = setInterval(() => recheck(), reverifyMs);
    reverify.unref();
    // A console that sleeps or loses its network sends no FIN: without pings its socket would hold a
    // viewer slot, and ffmpeg with one of the camera's few RTSP sessions, until the kernel gives up
    // (~15 min). Browsers answer pings by themselves. Same rule as /ws: 2 missed pongs end it.
    let missedPongs = 0;
    ws.on('pong', () => (missedPongs = 0));
    const heartbeat = setInterval(() => {
      if (missedPongs >= 2) {
        logger.info({ cameraId, viewer: principal.name, pingMs }, 'live view: viewer answered no ping twice, terminated');
        return ws.terminate();
      }
      missedPongs++;
      ws.ping();
    }, pingMs);
    heartbeat.unref();
    ws.on('error', () => ws.terminate());
    ws.once('close', () => {
      clearInterval(reverify);
      clearInterval(heartbeat);
      this.sockets.delete(ws);
      forget(this.rechecks, cameraId, recheck);
      forget(this.principalRechecks, principalKey(principal), recheck);
      hub.leave(cameraId, viewer);
    });
    this.moveToSource(cameraId, streamUrl, recheck); // the address changed since the camera's stream started
    hub.join(cameraId, streamUrl, viewer);
    this.rechecks.set(cameraId, (this.rechecks.get(cameraId) ?? new Set()).add(recheck));
    this.principalRechecks.set(principalKey(principal), (this.principalRechecks.get(principalKey(principal)) ?? new Set()).add(recheck));
    logger.debug({ cameraId, viewer: principal.name }, 'live view: viewer joined');
  }

  /**
   * Restarts the camera's stream on `url` when it reads another address, keeping its viewers on their
   * sockets (LiveViewHub.switchSource). They were admitted for this camera id, but the id may now name
   * a camera created again elsewhere, so each of them (but `checked`, whose check found `url`) has its
   * credential and scope checked again now rather than at its next period: one out of scope gets 4404.
   */
  private moveToSource(cameraId: string, url: string, checked: Recheck): void {
    if (!this.deps.hub.switchSource(cameraId, url)) return;
    for (const recheck of this.rechecks.get(cameraId) ?? []) if (recheck !== checked) recheck(true);
  }
}

/** LiveViewServer.admission's answer: the address to transcode, or the handshake's status and why. */
export type LiveAdmission = { url: string } | { refused: 404 | 429 | 503; reason: string };

/** Checks a viewer's credential and scope again; `afterChange`: run because its principal or its camera's address changed (a failed check then closes it). */
type Recheck = (afterChange?: boolean) => void;

function principalKey(principal: PrincipalRef): string {
  return `${principal.kind}:${principal.id}`;
}

/** Takes `recheck` out of its set under `key`, and the set once empty. */
function forget(rechecks: Map<string, Set<Recheck>>, key: string, recheck: Recheck): void {
  const set = rechecks.get(key);
  set?.delete(recheck);
  if (set?.size === 0) rechecks.delete(key);
}

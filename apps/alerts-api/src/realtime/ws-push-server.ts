import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '@xl/observability';
import type { AccessPolicy, CredentialVerifier, Principal } from '../shared/principal';
import type { PrincipalRef } from '../shared/principal-changes';
import { scopeOf } from '../shared/push-events';
import { closeReason } from '../shared/ws-close-reason';
import { ClientSession } from './client-session';
import type { FeedListener, EventFeed } from './event-feed';
import type { LogEvent, RedisEventLog } from './event-log';
import type { DisconnectReason, RealtimeMetrics, RefusalReason } from './realtime.metrics';
import type { RealtimeOptions } from './realtime.options';

/** Close codes of the push protocol (docs/realtime.md). */
export const CloseCode = {
  shutdown: 1001,
  internalError: 1011,
  slowConsumer: 4008,
  /** Accepted past a connection limit by a handshake that raced another (RealtimeOptions.maxConnections*): retry later. */
  tryAgainLater: 1013,
  /** The credential stopped being valid while connected (user disabled, key revoked, token expired). */
  unauthorized: 4401,
} as const;

export interface WsPushServerDeps {
  log: RedisEventLog;
  feed: EventFeed;
  verifier: CredentialVerifier;
  policy: AccessPolicy;
  options: RealtimeOptions;
  metrics: RealtimeMetrics;
  logger: Logger;
}

interface Connection {
  ws: WebSocket;
  session: ClientSession;
  /** Re-read from the credential every reverifyMs: scope changes apply to an open connection. */
  principal: Principal;
  /** Its principal's key in perPrincipal, as counted at accept. */
  principalKey: string;
  token: string;
  verifiedAt: number;
  reverifying: boolean;
  /** The principal changed while a re-check ran (it may have read the record before the change): check again after it. */
  recheckDue: boolean;
  ended: boolean;
}

/** An upgrade refused with an HTTP status (also used by the live view's handshake). */
export class HandshakeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `/ws` endpoint: a `ws` server in noServer mode on the app's own HTTP server. The credential is
 * checked before the upgrade, so an unauthenticated client gets a plain HTTP 401 and no socket.
 */
export class WsPushServer implements FeedListener {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024, perMessageDeflate: false, handleProtocols: selectWsProtocol });
  private readonly connections = new Set<Connection>();
  /** Open connections per principal (`kind:id`), for maxConnectionsPerPrincipal. */
  private readonly perPrincipal = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | undefined;
  private attached: Server | undefined;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    void this.upgrade(req, socket, head).catch((err: unknown) => failUpgrade(socket, err, this.deps.logger));

  constructor(private readonly deps: WsPushServerDeps) {}

  get clientCount(): number {
    return this.connections.size;
  }

  attach(server: Server): void {
    if (this.attached) throw new Error('WsPushServer is already attached');
    this.attached = server;
    server.on('upgrade', this.onUpgrade);
    this.deps.feed.add(this);
    this.heartbeat = setInterval(() => this.beat(), this.deps.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Closes every client with 1001 (they reconnect to another instance and resume). */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.deps.feed.remove(this);
    this.attached?.off('upgrade', this.onUpgrade);
    const closing = [...this.connections].map(
      (conn) =>
        new Promise<void>((resolve) => {
          conn.ws.once('close', () => resolve());
          this.end(conn, 'shutdown', CloseCode.shutdown, 'server shutting down');
          setTimeout(() => {
            conn.ws.terminate();
            resolve();
          }, 1000).unref();
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  onEvent(event: LogEvent): void {
    // One session that throws (a scope check on an unexpected event) must not cost the others it.
    for (const conn of this.connections) {
      try {
        conn.session.push(event);
      } catch (err) {
        this.deps.logger.error({ err, seq: event.seq }, 'pushing an event to one client failed');
        try {
          conn.session.lost(event.seq);
        } catch {
          // Nothing more to do for this client; the others still get the event.
        }
      }
    }
  }

  onLost(_fromSeq: number, toSeq: number): void {
    for (const conn of this.connections) conn.session.lost(toSeq);
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = upgradeUrlOf(req, socket);
    if (!url) return;
    if (url.pathname !== this.deps.options.path) {
      // Another upgrade handler (e.g. a Nest gateway) may own this path.
      if ((this.attached?.listenerCount('upgrade') ?? 0) <= 1) reject(socket, 404, 'no WebSocket endpoint here');
      return;
    }
    claimUpgrade(req);
    socket.on('error', () => socket.destroy());
    let principal: Principal;
    let token: string;
    let lastSeq: number | null;
    let lastAt: number | null;
    try {
      lastSeq = parseLastSeq(url.searchParams.get('lastSeq'));
      lastAt = parseLastAt(url.searchParams.get('lastAt'));
      token = credentialOf(req, url);
      principal = await this.verify(token);
    } catch (err) {
      const status = err instanceof HandshakeError ? err.status : 500;
      if (status === 500) this.deps.logger.error({ err }, 'WebSocket handshake failed');
      reject(socket, status, status === 500 ? 'internal error' : (err as Error).message);
      return;
    }
    if (socket.destroyed) return;
    const refusal = this.refusalFor(principal);
    if (refusal) {
      this.refuse(principal, refusal);
      reject(socket, refusal.status, refusal.message);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, principal, token, lastSeq, lastAt));
  }

  private async verify(token: string): Promise<Principal> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rejectTimeout) => {
      timer = setTimeout(
        () => rejectTimeout(new HandshakeError(503, 'credential check timed out')),
        this.deps.options.authTimeoutMs,
      );
    });
    try {
      const principal = await Promise.race([this.deps.verifier.verify(token), timeout]);
      if (!principal) throw new HandshakeError(401, 'invalid or expired credential');
      return principal;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Why a connection of `principal` may not open now, or null. Checked before the upgrade and again at accept. */
  private refusalFor(principal: Principal): { reason: RefusalReason; status: number; message: string } | null {
    const { maxConnections, maxConnectionsPerPrincipal } = this.deps.options;
    if (this.connections.size >= maxConnections) {
      return { reason: 'instance_full', status: 503, message: `this instance holds its limit of ${maxConnections} push connections; try again (another instance may take it)` };
    }
    const held = this.perPrincipal.get(principalKey(principal)) ?? 0;
    if (held >= maxConnectionsPerPrincipal) {
      return { reason: 'principal_limit', status: 429, message: `${principal.kind} '${principal.id}' holds ${held} push connections on this instance, its limit (${maxConnectionsPerPrincipal}); close one` };
    }
    return null;
  }

  private refuse(principal: Principal, refusal: { reason: RefusalReason; message: string }): void {
    this.deps.metrics.refusals.inc({ reason: refusal.reason });
    this.deps.logger.warn({ principal: principal.id, kind: principal.kind, reason: refusal.reason }, `WebSocket push connection refused: ${refusal.message}`);
  }

  private accept(ws: WebSocket, principal: Principal, token: string, lastSeq: number | null, lastAt: number | null): void {
    const { log, policy, options, metrics } = this.deps;
    // Handshakes verify their credentials concurrently: several may have passed the check before the upgrade.
    const refusal = this.refusalFor(principal);
    if (refusal) {
      this.refuse(principal, refusal);
      ws.close(CloseCode.tryAgainLater, refusal.reason === 'instance_full' ? 'connection limit of this instance' : 'connection limit of this credential');
      return;
    }
    const conn: Connection = {
      ws,
      principal,
      principalKey: principalKey(principal),
      token,
      verifiedAt: spreadVerifiedAt(options.reverifyMs),
      reverifying: false,
      recheckDue: false,
      ended: false,
      session: undefined as unknown as ClientSession,
    };
    conn.session = new ClientSession({
      socket: ws,
      limits: options,
      canSee: (event) => policy.canSee(conn.principal, scopeOf(event)),
      readAfter: (after, count, withEntry) => log.readAfter(after, count, withEntry),
      // A replayed event's age is how long the client was away (a school PC resuming in the morning), not latency.
      onEventSent: (event, live) => metrics.eventSent(event.seq, event.type, live ? event.capturedAt : undefined, event.data.streamDelaySeconds),
      onOverflow: () => this.end(conn, 'slow_consumer', CloseCode.slowConsumer, 'slow consumer'),
    });
    // Registered and started in one synchronous step: the feed's last seq is exactly where live delivery begins.
    this.connections.add(conn);
    this.perPrincipal.set(conn.principalKey, (this.perPrincipal.get(conn.principalKey) ?? 0) + 1);
    metrics.clients.inc();
    ws.on('pong', () => (conn.session.missedPongs = 0));
    ws.on('message', (data, isBinary) => this.onClientMessage(conn, data, isBinary));
    ws.on('error', (err) => this.deps.logger.warn({ err, principal: principal.id }, 'WebSocket client error'));
    ws.on('close', () => this.end(conn, 'client'));
    conn.session.start(lastSeq, this.deps.feed.lastSeq, lastAt).catch((err) => this.fail(conn, err));
  }

  private onClientMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    let message: { type?: unknown; lastSeq?: unknown; lastAt?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      conn.session.send({ type: 'error', message: 'messages are JSON text' });
      return;
    }
    if (message?.type === 'resume') {
      const { lastSeq } = message;
      const lastAt = message.lastAt ?? null;
      if (!isCount(lastSeq) || !(lastAt === null || isCount(lastAt))) {
        conn.session.send({ type: 'error', message: 'resume needs lastSeq (and optionally lastAt), non-negative integers' });
        return;
      }
      conn.session.resume(lastSeq, lastAt as number | null).catch((err) => this.fail(conn, err));
    } else if (message?.type === 'ping') {
      conn.session.send({ type: 'pong' });
    } else {
      conn.session.send({ type: 'error', message: `unknown message type ${JSON.stringify(message?.type)}` });
    }
  }

  /** A replay could not read the backlog: the client reconnects and resumes rather than miss events. */
  private fail(conn: Connection, err: unknown): void {
    this.deps.logger.error({ err, principal: conn.principal.id }, 'WebSocket replay failed');
    this.end(conn, 'error', CloseCode.internalError, 'replay failed; reconnect with lastSeq');
  }

  private beat(): void {
    const now = performance.now();
    for (const conn of this.connections) {
      if (conn.session.missedPongs >= 2) {
        this.end(conn, 'heartbeat');
        continue;
      }
      conn.session.missedPongs++;
      conn.ws.ping();
      if (!conn.reverifying && now - conn.verifiedAt >= this.deps.options.reverifyMs) void this.reverify(conn);
    }
  }

  /**
   * A user or API key changed (PrincipalChanges, from any instance): its connections here check their
   * credential again now, not at their next periodic re-check (up to reverifyMs later).
   */
  recheck(changed: PrincipalRef): void {
    for (const conn of this.connections) {
      if (conn.ended || conn.principal.kind !== changed.kind || conn.principal.id !== changed.id) continue;
      if (conn.reverifying) conn.recheckDue = true;
      else void this.reverify(conn);
    }
  }

  /** Re-checks an open connection's credential: closed with 4401 once invalid; a new scope applies at once. */
  private async reverify(conn: Connection): Promise<void> {
    conn.reverifying = true;
    try {
      const principal = await this.deps.verifier.verify(conn.token);
      if (!principal) this.end(conn, 'unauthorized', CloseCode.unauthorized, 'credential no longer valid');
      else {
        const scopeChanged = scopeKey(principal) !== scopeKey(conn.principal);
        conn.principal = principal;
        // What the new scope sees and was published before this re-check (a school given its new pond
        // camera: a drowning raised there meanwhile) was filtered out with the old scope and is not
        // in this connection's past any more: the client reloads by REST, as after a gap
        // (2026-12-03 review of school scope). Live events after this seq follow under the new scope.
        if (scopeChanged) conn.session.lost(this.deps.feed.lastSeq);
      }
      conn.verifiedAt = spreadVerifiedAt(this.deps.options.reverifyMs);
    } catch (err) {
      // The auth store is away: keep the connection (and retry next beat) rather than drop alerts.
      this.deps.logger.warn({ err, principal: conn.principal.id }, 'WebSocket credential re-check failed');
    } finally {
      conn.reverifying = false;
      if (conn.recheckDue && !conn.ended) {
        conn.recheckDue = false;
        void this.reverify(conn);
      }
    }
  }

  /** Ends a connection once: counts why, stops delivery, and closes (or, without a code, terminates) the socket. */
  private end(conn: Connection, reason: DisconnectReason, code?: number, text?: string): void {
    if (!conn.ended) {
      conn.ended = true;
      conn.session.close();
      this.connections.delete(conn);
      const held = (this.perPrincipal.get(conn.principalKey) ?? 1) - 1;
      if (held > 0) this.perPrincipal.set(conn.principalKey, held);
      else this.perPrincipal.delete(conn.principalKey);
      this.deps.metrics.clients.dec();
      this.deps.metrics.disconnects.inc({ reason });
      if (reason !== 'client')
        this.deps.logger.info({ principal: conn.principal.id, reason }, 'WebSocket client disconnected');
    }
    if (conn.ws.readyState === WebSocket.CLOSED) return;
    if (code === undefined) {
      conn.ws.terminate();
      return;
    }
    conn.ws.close(code, text === undefined ? undefined : closeReason(text));
    // A client that does not read will never see the close frame; do not wait 30 s for it.
    setTimeout(() => conn.ws.terminate(), 1000).unref();
  }
}

function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id}`;
}

/**
 * When a connection counts as verified: now, less a random part of a quarter of the interval. After
 * a deploy every screen reconnects within seconds, and all re-checked their credentials in the same
 * heartbeat, every interval: one burst of database reads. Spread, a check only comes a little sooner.
 */
function spreadVerifiedAt(reverifyMs: number): number {
  // Monotonic: on the wall clock, a step back of the host by an hour checked no credential for that hour.
  return performance.now() - Math.floor(Math.random() * reverifyMs * 0.25);
}

/**
 * The upgrade request's URL, or null when it cannot be parsed (`GET http://[ …`): then the first
 * handler to see it claims it and answers 400. Node's HTTP parser passes such request targets on,
 * and a throw here would be an unhandled rejection, which ends the process.
 */
export function upgradeUrlOf(req: IncomingMessage, socket: Duplex): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://localhost');
  } catch {
    if (!isUpgradeClaimed(req)) {
      claimUpgrade(req);
      reject(socket, 400, 'request target is not a valid URL');
    }
    return null;
  }
}

/** Last resort for an upgrade handler that threw: log it and drop the socket, never the process. */
export function failUpgrade(socket: Duplex, err: unknown, logger: Pick<Logger, 'error'>): void {
  logger.error({ err }, 'WebSocket upgrade failed');
  if (!socket.destroyed) reject(socket, 500, 'internal error');
}

/** Marks an upgrade request as handled, so that the app's other upgrade handlers do not refuse it as unknown. */
export function claimUpgrade(req: IncomingMessage): void {
  (req as IncomingMessage & { xlUpgradeClaimed?: boolean }).xlUpgradeClaimed = true;
}

export function isUpgradeClaimed(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { xlUpgradeClaimed?: boolean }).xlUpgradeClaimed === true;
}

/**
 * The subprotocol a browser offers to say it speaks this API's sockets; the server answers with it.
 * Next to it the browser offers `xl.bearer.<token>` (never chosen): a browser cannot set headers on a
 * WebSocket, and a token in the URL ends up in proxies' and servers' access logs, where it opens
 * every camera of its holder until it expires. A JWT or API key is made of characters a subprotocol
 * may hold.
 */
export const WS_PROTOCOL = 'xl.v1';
export const WS_BEARER_PROTOCOL_PREFIX = 'xl.bearer.';

/** `handleProtocols` of the socket servers: `xl.v1` when offered (the browser refuses a socket whose answer names none of its offers). */
export function selectWsProtocol(protocols: Set<string>): string | false {
  return protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false;
}

/** The credential of a handshake: `Authorization: Bearer`, the `xl.bearer.` subprotocol, or `?token=` (kept for tools; it lands in access logs). */
export function credentialOf(req: IncomingMessage, url: URL): string {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const viaProtocol = offered.find((p) => p.startsWith(WS_BEARER_PROTOCOL_PREFIX))?.slice(WS_BEARER_PROTOCOL_PREFIX.length);
  const token = match?.[1] ?? (viaProtocol || null) ?? url.searchParams.get('token');
  if (!token) throw new HandshakeError(401, `missing credential (Authorization: Bearer, subprotocol ${WS_BEARER_PROTOCOL_PREFIX}<token>, or ?token=)`);
  return token;
}

function parseLastSeq(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d{1,16}$/.test(raw)) throw new HandshakeError(400, 'lastSeq must be a non-negative integer');
  return Number(raw);
}

/** `?lastAt=`: the `at` of the event the client holds under lastSeq; without it, lastSeq alone is trusted (older clients). */
function parseLastAt(raw: string | null): number | null {
  if (raw === null) return null;
  if (!/^\d{1,16}$/.test(raw)) throw new HandshakeError(400, 'lastAt must be a non-negative integer (epoch ms)');
  return Number(raw);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function reject(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ statusCode: status, message });
  const reason =
    { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ??
    'Internal Server Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** What decides which events a principal sees: a change of it is a change of the connection's view. */
function scopeKey(p: Principal): string {
  return JSON.stringify([p.role, [...p.regionIds].sort(), [...p.cameraIds].sort(), [...p.waters].sort()]);
}

// What the two raw frame connections (FrameUploader, FrameDownloader) share: the URL check and the
// commands a connection starts with.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** The URL of a single Redis (redis: or rediss:), or an error naming `who`. */
export function rawRedisUrl(url: string, who: string): URL {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`${who}: ${parsed.protocol} URLs are not supported (redis: or rediss:)`);
  return parsed;
}

/** One command in RESP. */
export function encodeCommand(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * AUTH (when the URL has a password), SELECT (a db other than 0) and CLIENT SETNAME, written to the
 * socket; `expectReply` queues the wait for each simple-string reply. Resolves once all are +OK.
 */
export function sendHandshake(socket: Socket, url: URL, name: string, expectReply: () => Promise<unknown>): Promise<unknown[]> {
  const commands: string[][] = [];
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  if (password) commands.push(['AUTH', ...(user ? [user] : []), password]);
  const db = url.pathname.replace(/^\//, '');
  if (db && db !== '0') commands.push(['SELECT', db]);
  commands.push(['CLIENT', 'SETNAME', name]);
  const replies = commands.map(() => expectReply());
  socket.write(commands.map(encodeCommand).join(''));
  return Promise.all(replies);
}

export interface RawRedisConnection {
  url: URL;
  /** CLIENT SETNAME. */
  name: string;
  connectTimeoutMs: number;
  /** Plain TCP reads land in this one buffer (no allocation per read); without it, or over TLS, reads arrive as chunks. */
  readBuffer?: Buffer;
  onBytes(buf: Uint8Array, start: number, end: number): void;
  onClose(socket: Socket): void;
  onError(err: Error): void;
  /** Queues the wait for one simple-string reply (the handshake's). */
  expectReply(): Promise<unknown>;
}

/** Connects (TCP or TLS), sends the handshake and resolves once Redis accepted it. */
export function openRawRedis(c: RawRedisConnection): Promise<Socket> {
  const port = Number(c.url.port || 6379);
  const host = c.url.hostname.replace(/^\[|\]$/g, '');
  const tls = c.url.protocol === 'rediss:';
  const socket =
    tls || !c.readBuffer
      ? tls
        ? tlsConnect({ host, port, servername: host })
        : netConnect({ host, port })
      : netConnect({ host, port, onread: { buffer: c.readBuffer, callback: (n: number, buf: Uint8Array) => (c.onBytes(buf, 0, n), true) } });
  if (tls || !c.readBuffer) socket.on('data', (chunk: Buffer) => c.onBytes(chunk, 0, chunk.length));
  socket.setNoDelay(true);
  return new Promise<Socket>((resolve, reject) => {
    // Bounds the handshake too: a Redis that accepts TCP and then says nothing held every frame call
    // behind this connection for good (the reply watchdog starts only once it is up).
    const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${c.connectTimeoutMs} ms (connection and handshake)`)), c.connectTimeoutMs);
    socket.once('close', () => c.onClose(socket));
    socket.on('error', (err) => {
      clearTimeout(timer);
      c.onError(err);
      reject(err);
    });
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      sendHandshake(socket, c.url, c.name, c.expectReply).then(
        () => {
          clearTimeout(timer);
          resolve(socket);
        },
        (err: Error) => {
          clearTimeout(timer);
          socket.destroy();
          reject(new Error(`redis setup failed: ${err.message}`));
        },
      );
    });
  });
}

/**
 * The connection life of a raw client: connect on first use, reconnect after a close, replies waited
 * for in order, every waiter failed when the connection goes.
 */
export abstract class RawRedisClient<Waiter extends { reject(err: Error): void }> {
  protected socket: Socket | null = null;
  protected pending: Waiter[] = [];
  protected readonly url: URL;
  private connecting: Promise<Socket> | null = null;
  private closed = false;
  /** When a byte last came from Redis, or a command was sent with none waiting (performance.now(): a wall clock step is no silence). */
  private heardAt = 0;
  private watchdog: NodeJS.Timeout | null = null;
  /** Connections given up by the watchdog: their close, which comes later, must not touch the next one's waiters. */
  private readonly abandoned = new WeakSet<Socket>();

  /**
   * @param replyTimeoutMs a connection on which a command waited this long without a byte from Redis
   *   is closed, failing every waiting command: a half-open socket (a silent partition, a Redis
   *   frozen by a fork) would otherwise hold each frame on it until TCP gives up, minutes later.
   */
  constructor(
    url: string,
    private readonly who: string,
    private readonly replyTimeoutMs = 5000,
  ) {
    this.url = rawRedisUrl(url, who);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stopWatchdog();
    const socket = this.socket ?? (await this.connecting?.catch(() => null));
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }

  /** The reply parser's state is dropped with the connection. */
  protected abstract resetParser(): void;
  protected abstract connect(): Promise<Socket>;

  protected connection(): Promise<Socket> {
    if (this.closed) return Promise.reject(new Error(`${this.who} closed`));
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.connect()
      .then((socket) => {
        this.startWatchdog(socket);
        return (this.socket = socket);
      })
      .finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** Call as a command's reply is queued: a wait starts now unless an older one is running. */
  protected noteSent(): void {
    if (this.pending.length === 0) this.heardAt = performance.now();
  }

  /** Call on every read from the socket: a large reply still arriving is not a silent connection. */
  protected noteHeard(): void {
    this.heardAt = performance.now();
  }

  private startWatchdog(socket: Socket): void {
    this.stopWatchdog();
    const timeoutMs = this.replyTimeoutMs;
    this.watchdog = setInterval(() => {
      if (this.pending.length === 0 || performance.now() - this.heardAt <= timeoutMs) return;
      this.abandoned.add(socket);
      if (this.socket === socket) this.socket = null;
      this.stopWatchdog();
      this.resetParser();
      this.failAll(new Error(`${this.who}: no reply from redis ${this.url.host} within ${timeoutMs} ms`));
      socket.destroy();
    }, Math.max(50, Math.floor(timeoutMs / 4)));
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  protected onClose(socket: Socket): void {
    if (this.abandoned.has(socket)) return;
    if (this.socket === socket) {
      this.socket = null;
      this.stopWatchdog();
    }
    this.resetParser();
    this.failAll(new Error('connection to redis closed'));
  }

  protected failAll(err: Error): void {
    const waiting = this.pending;
    this.pending = [];
    for (const w of waiting) w.reject(err);
  }
}

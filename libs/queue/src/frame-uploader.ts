// A connection of its own for the one large write ingest makes per frame. ioredis turns a SET with a
// Buffer argument into a single new buffer (RESP header + 507 KiB of pixels copied); at 32 cameras
// those copies and the garbage they leave cost more CPU than the rest of the write. Here the header,
// the caller's buffer and the trailer go to the socket as one writev, nothing copied in JavaScript.
// It speaks only what it needs: AUTH, SELECT, CLIENT SETNAME and SET … PX, with simple-string replies.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface FrameUploaderOptions {
  /** redis://[user:password@]host[:port][/db] or rediss:// (TLS). A single Redis, not a cluster. */
  url: string;
  /**
   * Connection name shown by CLIENT LIST.
   * @defaultValue 'xl-frame-uploader'
   */
  name?: string;
  /**
   * Give up connecting after this long.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

export class FrameUploader {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private pending: Pending[] = [];
  private replies = '';
  private closed = false;
  private readonly url: URL;

  constructor(private readonly options: FrameUploaderOptions) {
    this.url = new URL(options.url);
    if (this.url.protocol !== 'redis:' && this.url.protocol !== 'rediss:') {
      throw new Error(`FrameUploader: ${this.url.protocol} URLs are not supported (redis: or rediss:)`);
    }
  }

  /** SET key value PX ttlMs. `value` must stay untouched until the promise settles. */
  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    const socket = await this.connection();
    const ttl = String(Math.max(1, Math.round(ttlMs)));
    const done = this.expectReply();
    socket.cork();
    socket.write(`*5\r\n$3\r\nSET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n$${value.length}\r\n`);
    socket.write(value);
    socket.write(`\r\n$2\r\nPX\r\n$${ttl.length}\r\n${ttl}\r\n`);
    socket.uncork();
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket ?? (await this.connecting?.catch(() => null));
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }

  private expectReply(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  private connection(): Promise<Socket> {
    if (this.closed) return Promise.reject(new Error('FrameUploader closed'));
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private open(): Promise<Socket> {
    const { url } = this;
    const port = Number(url.port || 6379);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = url.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    socket.setNoDelay(true);
    return new Promise<Socket>((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error(`connect timeout after ${this.options.connectTimeoutMs ?? 5000} ms`)), this.options.connectTimeoutMs ?? 5000);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.once('close', () => this.onClose(socket));
      socket.on('error', (err) => {
        clearTimeout(timer);
        this.failAll(err);
        reject(err);
      });
      socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        const setup: Promise<void>[] = [];
        const send = (...args: string[]) => {
          setup.push(this.expectReply());
          socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
        };
        const user = decodeURIComponent(url.username);
        const password = decodeURIComponent(url.password);
        if (password) send('AUTH', ...(user ? [user] : []), password);
        const db = url.pathname.replace(/^\//, '');
        if (db && db !== '0') send('SELECT', db);
        send('CLIENT', 'SETNAME', this.options.name ?? 'xl-frame-uploader');
        Promise.all(setup).then(
          () => resolve(socket),
          (err: Error) => {
            socket.destroy();
            reject(new Error(`redis setup failed: ${err.message}`));
          },
        );
      });
    });
  }

  /** Replies are simple strings (+OK) or errors (-ERR …), one per command, in order. */
  private onData(chunk: Buffer): void {
    this.replies += chunk.toString('latin1');
    let end: number;
    while ((end = this.replies.indexOf('\r\n')) >= 0) {
      const line = this.replies.slice(0, end);
      this.replies = this.replies.slice(end + 2);
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (line[0] === '+') waiter.resolve();
      else waiter.reject(new Error(line[0] === '-' ? line.slice(1) : `unexpected reply ${JSON.stringify(line.slice(0, 40))}`));
    }
  }

  private onClose(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    this.replies = '';
    this.failAll(new Error('connection to redis closed'));
  }

  private failAll(err: Error): void {
    const waiting = this.pending;
    this.pending = [];
    for (const w of waiting) w.reject(err);
  }
}

// A connection of its own for the one large write ingest makes per frame. ioredis turns a SET with a
// Buffer argument into a single new buffer (RESP header + 507 KiB of pixels copied); at 32 cameras
// those copies and the garbage they leave cost more CPU than the rest of the write. Here the header,
// the caller's buffer and the trailer go to the socket as one writev, nothing copied in JavaScript.
// It speaks only what it needs: AUTH, SELECT, CLIENT SETNAME and SET … PX, with simple-string replies.
import type { Socket } from 'node:net';
import { openRawRedis, RawRedisClient } from './raw-redis';

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
  /**
   * Close the connection, failing the frames waiting on it, when Redis has sent nothing for this long
   * while a reply is awaited (a half-open socket would hold each camera's frames until TCP gives up).
   * @defaultValue 5000
   */
  replyTimeoutMs?: number;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

export class FrameUploader extends RawRedisClient<Pending> {
  private replies = '';

  constructor(private readonly options: FrameUploaderOptions) {
    super(options.url, 'FrameUploader', options.replyTimeoutMs);
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

  private expectReply(): Promise<void> {
    this.noteSent();
    return new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  protected connect(): Promise<Socket> {
    return openRawRedis({
      url: this.url,
      name: this.options.name ?? 'xl-frame-uploader',
      connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
      onBytes: (buf, start, end) => {
        this.noteHeard();
        this.onData(Buffer.from(buf.buffer, buf.byteOffset + start, end - start));
      },
      onClose: (s) => this.onClose(s),
      onError: (err) => this.failAll(err),
      expectReply: () => this.expectReply(),
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

  protected resetParser(): void {
    this.replies = '';
  }
}

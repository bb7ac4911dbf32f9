// The analyzer's side of FrameUploader: a connection of its own for the one large read per frame.
// Through ioredis a GETDEL of a 292 KiB frame costs a fresh 64 KiB buffer per socket read, then one
// more buffer the chunks are joined into, then the copy into the analyzer's frame buffer: ~0.9 MiB of
// garbage and two extra copies per frame. Here the socket reads into one reused buffer and the bytes
// go straight from it into the buffer the caller names once it knows the length.
// It speaks only what it needs: AUTH, SELECT, CLIENT SETNAME (simple-string replies) and GETDEL (bulk).
import type { Socket } from 'node:net';
import { openRawRedis, RawRedisClient } from './raw-redis';

export interface FrameDownloaderOptions {
  /** redis://[user:password@]host[:port][/db] or rediss:// (TLS). A single Redis, not a cluster. */
  url: string;
  /**
   * Connection name shown by CLIENT LIST.
   * @defaultValue 'xl-frame-downloader'
   */
  name?: string;
  /**
   * Give up connecting after this long.
   * @defaultValue 5000
   */
  connectTimeoutMs?: number;
  /**
   * Size of the one buffer socket reads land in (plain TCP; TLS reads arrive as chunks).
   * @defaultValue 262144
   */
  readBufferBytes?: number;
  /**
   * Close the connection, failing the frames waiting on it, when Redis has sent nothing for this long
   * while a reply is awaited (a half-open socket would hold each frame, and its worker slot, until
   * TCP gives up).
   * @defaultValue 5000
   */
  replyTimeoutMs?: number;
}

/** Where a value's bytes go: called once its length is known; must return at least that many bytes. */
export type FrameTarget = (length: number) => Uint8Array;

interface Pending {
  into: FrameTarget | null;
  resolve(value: Uint8Array | null): void;
  reject(err: Error): void;
}

const CR = 13;
const LF = 10;

export class FrameDownloader extends RawRedisClient<Pending> {  // Reply parser: a header line being read, or the body of a bulk reply being copied.
  private line = '';
  private body: { target: Uint8Array; length: number; copied: number; waiter: Pending } | null = null;
  /** CR LF still to skip after a bulk body. */
  private trailer = 0;

  constructor(private readonly options: FrameDownloaderOptions) {
    super(options.url, 'FrameDownloader', options.replyTimeoutMs);
  }

  /**
   * GETDEL key: resolves with the buffer `into` returned, holding the value in its first `length`
   * bytes, or null when the key does not exist (expired or already taken).
   */
  async take(key: string, into: FrameTarget): Promise<Uint8Array | null> {
    const socket = await this.connection();
    const done = this.expectReply(into);
    socket.write(`*2\r\n$6\r\nGETDEL\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
    return done;
  }

  private expectReply(into: FrameTarget | null): Promise<Uint8Array | null> {
    this.noteSent();
    return new Promise((resolve, reject) => this.pending.push({ into, resolve, reject }));
  }

  protected connect(): Promise<Socket> {
    return openRawRedis({
      url: this.url,
      name: this.options.name ?? 'xl-frame-downloader',
      connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
      readBuffer: Buffer.allocUnsafe(this.options.readBufferBytes ?? 262_144),
      onBytes: (buf, start, end) => {
        this.noteHeard();
        this.onBytes(buf, start, end);
      },
      onClose: (s) => this.onClose(s),
      onError: (err) => this.failAll(err),
      expectReply: () => this.expectReply(null),
    });
  }


  /** Feeds bytes [start, end) of `buf` to the reply parser. */
  private onBytes(buf: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end) {
      if (this.body) {
        const { target, length } = this.body;
        const n = Math.min(length - this.body.copied, end - i);
        target.set(buf.subarray(i, i + n), this.body.copied);
        this.body.copied += n;
        i += n;
        if (this.body.copied === length) {
          this.body.waiter.resolve(target);
          this.body = null;
          this.trailer = 2;
        }
        continue;
      }
      if (this.trailer > 0) {
        this.trailer--;
        i++;
        continue;
      }
      // Header line: read up to LF (lines are short; a CR LF may straddle two reads).
      let j = i;
      while (j < end && buf[j] !== LF) j++;
      this.line += Buffer.from(buf.buffer, buf.byteOffset + i, j - i).toString('latin1');
      if (j === end) return;
      i = j + 1;
      const line = this.line.charCodeAt(this.line.length - 1) === CR ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const waiter = this.pending.shift();
    if (!waiter) return;
    if (line[0] === '+') return waiter.resolve(null);
    if (line[0] === '-') return waiter.reject(new Error(line.slice(1)));
    if (line[0] === '$' && waiter.into) {
      const length = Number(line.slice(1));
      if (length < 0) return waiter.resolve(null);
      let target: Uint8Array;
      try {
        target = waiter.into(length);
        if (target.length < length) throw new Error(`frame target of ${target.length} bytes for a ${length}-byte value`);
      } catch (err) {
        // The bytes still have to be consumed to keep the stream in step: into a throwaway buffer.
        target = new Uint8Array(length);
        waiter.reject(err as Error);
        this.body = { target, length, copied: 0, waiter: { into: null, resolve: () => undefined, reject: () => undefined } };
        return length === 0 ? this.endEmptyBody() : undefined;
      }
      this.body = { target, length, copied: 0, waiter };
      return length === 0 ? this.endEmptyBody() : undefined;
    }
    waiter.reject(new Error(`unexpected reply ${JSON.stringify(line.slice(0, 40))}`));
  }

  private endEmptyBody(): void {
    this.body!.waiter.resolve(this.body!.target);
    this.body = null;
    this.trailer = 2;
  }

  protected resetParser(): void {
    this.line = '';
    // A bulk body half copied belongs to a waiter already taken off the queue.
    this.body?.waiter.reject(new Error('connection to redis closed'));
    this.body = null;
    this.trailer = 0;
  }
}

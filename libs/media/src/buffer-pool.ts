/**
 * Reusable frame-sized buffers. A camera at a few fps would otherwise allocate (and the kernel map,
 * fault in and unmap) half a megabyte per frame, and the garbage collector would chase them: at 32
 * cameras that cost more CPU than everything else ingest does. A buffer comes back only through
 * `release` by its last user; a buffer never released is simply collected.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly mine = new WeakSet<Buffer>();

  constructor(
    readonly size: number,
    /** Most idle buffers kept. */
    private readonly maxFree = 4,
  ) {}

  acquire(): Buffer {
    const buf = this.free.pop();
    if (buf) return buf;
    const fresh = Buffer.allocUnsafeSlow(this.size);
    this.mine.add(fresh);
    return fresh;
  }

  /** Returns a buffer from this pool; anything else (views, foreign buffers) is ignored. */
  release(buf: Buffer): void {
    if (!this.mine.has(buf) || this.free.length >= this.maxFree || this.free.includes(buf)) return;
    this.free.push(buf);
  }

  /** Idle buffers held (for tests). */
  get idle(): number {
    return this.free.length;
  }
}

/**
 * Rebuilds fixed-size raw frames from a byte stream cut at arbitrary places (socket and pipe reads are
 * 64–256 KiB, a 416×416 bgr24 frame is 507 KiB). Every byte is copied exactly once, from the chunk
 * into a frame buffer from `allocate` (default: a fresh one) that the consumer owns: chunks may be a
 * reused read buffer, valid only during `push`. The reader never touches a frame again.
 */
export class FrameReader {
  private partial: Buffer | null = null;
  private filled = 0;

  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
    /** Where assembled frames are written; e.g. BufferPool.acquire. Default: Buffer.allocUnsafe. */
    private readonly allocate: () => Buffer = () => Buffer.allocUnsafe(frameBytes),
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new Error(`FrameReader: frame size ${frameBytes} must be a positive integer`);
  }

  /** Bytes received towards the next frame (0 when the stream is on a frame boundary). */
  get pendingBytes(): number {
    return this.filled;
  }

  push(chunk: Uint8Array): void {
    const size = this.frameBytes;
    const n = chunk.length;
    let offset = 0;
    const partial = this.partial;
    if (partial) {
      const take = Math.min(size - this.filled, n);
      partial.set(take === n ? chunk : chunk.subarray(0, take), this.filled);
      this.filled += take;
      offset = take;
      if (this.filled === size) {
        this.partial = null;
        this.filled = 0;
        this.onFrame(partial);
      }
    }
    while (offset < n) {
      const next = this.allocate();
      if (next.length !== size) throw new Error(`FrameReader: allocate() gave ${next.length} bytes, frames have ${size}`);
      const take = Math.min(size, n - offset);
      next.set(chunk.subarray(offset, offset + take), 0);
      offset += take;
      if (take === size) {
        this.onFrame(next);
      } else {
        this.partial = next;
        this.filled = take;
      }
    }
  }

  /** Drops a partly received frame (after the producing process exits mid-frame). */
  reset(): void {
    this.partial = null;
    this.filled = 0;
  }
}

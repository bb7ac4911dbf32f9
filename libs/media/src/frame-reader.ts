/**
 * Rebuilds fixed-size raw frames from a byte stream cut at arbitrary places (pipe reads are ~64 KiB,
 * a 416×416 bgr24 frame is 507 KiB). A frame that lies wholly inside one chunk is handed out as a
 * view of that chunk (no copy); a frame spread over chunks is copied once into a fresh buffer that the
 * consumer owns. The consumer may keep every frame it receives: none is reused.
 */
export class FrameReader {
  private partial: Buffer | null = null;
  private filled = 0;

  constructor(
    readonly frameBytes: number,
    private readonly onFrame: (frame: Buffer) => void,
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
    while (n - offset >= size) {
      this.onFrame(Buffer.from(chunk.buffer, chunk.byteOffset + offset, size));
      offset += size;
    }
    if (offset < n) {
      const next = Buffer.allocUnsafe(size);
      next.set(chunk.subarray(offset), 0);
      this.partial = next;
      this.filled = n - offset;
    }
  }

  /** Drops a partly received frame (after the producing process exits mid-frame). */
  reset(): void {
    this.partial = null;
    this.filled = 0;
  }
}

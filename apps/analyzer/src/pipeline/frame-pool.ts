/** Pad grey of the letterbox (YOLOX was trained with 114). */
const PAD = 114;

/**
 * Full-size frame buffers, reused: the stored picture rows are read into the top of one, the padding
 * rows below were filled once when the buffer was made. The detector moves a buffer to its worker
 * thread and back, so a frame costs no allocation, instead of a fresh 0.5 MiB buffer for the garbage
 * collector every frame.
 */
export class FramePool {
  private free = new Map<string, Uint8Array[]>();

  constructor(private readonly maxFreePerShape = 16) {}

  /** A width × height bgr24 frame whose rows from `rows` down are padding; the caller fills the rest. */
  acquire(width: number, height: number, rows: number): Uint8Array {
    if (!(rows > 0 && rows <= height)) throw new Error(`frame pool: ${rows} picture rows in a frame of ${height}`);
    return this.free.get(`${width}x${height}:${rows}`)?.pop() ?? new Uint8Array(height * width * 3).fill(PAD, rows * width * 3);
  }

  /** Gives a frame from acquire() back once nothing reads it any more. */
  release(frame: Uint8Array, width: number, height: number, rows: number): void {
    if (frame.length !== width * height * 3) return;
    const key = `${width}x${height}:${rows}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    if (list.length < this.maxFreePerShape) list.push(frame);
  }
}

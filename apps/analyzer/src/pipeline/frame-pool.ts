/** Pad grey of the letterbox (YOLOX was trained with 114). */
const PAD = 114;

/**
 * Full-size frame buffers, reused: the stored picture rows are copied in at the top, the padding rows
 * below were filled once when the buffer was made. The detector moves a buffer to its worker thread
 * and back, so a frame costs one copy of its picture and no allocation, instead of a fresh 0.5 MiB
 * buffer for the garbage collector every frame.
 */
export class FramePool {
  private free = new Map<string, Uint8Array[]>();

  constructor(private readonly maxFreePerShape = 16) {}

  /** A width × height bgr24 frame whose first `rows` rows are `picture`. */
  expand(picture: Uint8Array, width: number, height: number, rows: number): Uint8Array {
    const rowBytes = width * 3;
    if (picture.length !== rows * rowBytes) throw new Error(`frame pool: ${picture.length} bytes are not ${rows} rows of ${width} bgr24 pixels`);
    if (rows === height) return picture;
    const list = this.free.get(`${width}x${height}:${rows}`);
    const frame = list?.pop() ?? new Uint8Array(height * rowBytes).fill(PAD, rows * rowBytes);
    frame.set(picture, 0);
    return frame;
  }

  /** Gives a frame from expand() back once nothing reads it any more. */
  release(frame: Uint8Array, width: number, height: number, rows: number): void {
    if (rows === height || frame.length !== width * height * 3) return;
    const key = `${width}x${height}:${rows}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    if (list.length < this.maxFreePerShape) list.push(frame);
  }
}

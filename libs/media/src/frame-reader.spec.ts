import { FrameReader } from './frame-reader';

/** A stream of `count` frames of `size` bytes; frame k is filled with a pattern unique to it. */
function makeStream(count: number, size: number): Buffer {
  const out = Buffer.alloc(count * size);
  for (let k = 0; k < count; k++) for (let i = 0; i < size; i++) out[k * size + i] = (k * 31 + i * 7) & 0xff;
  return out;
}

/** Splits `data` at random places; `maxChunk` bounds chunk sizes (0-length chunks included on purpose). */
function randomChunks(data: Buffer, maxChunk: number, random: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const len = Math.min(data.length - at, Math.floor(random() * (maxChunk + 1)));
    chunks.push(data.subarray(at, at + len));
    at += len;
  }
  return chunks;
}

/** Small deterministic PRNG (mulberry32) so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('FrameReader', () => {
  it.each([1, 2, 3, 42, 2024])('reassembles exact frames under random chunking (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const size = 3 * 7 * 5; // a 7×5 bgr24 frame
    const count = 40;
    const stream = makeStream(count, size);
    for (const maxChunk of [1, size - 1, size, size + 1, 3 * size + 2]) {
      const frames: Buffer[] = [];
      const reader = new FrameReader(size, (f) => frames.push(f));
      for (const chunk of randomChunks(stream, maxChunk, random)) reader.push(chunk);
      expect(frames).toHaveLength(count);
      frames.forEach((f, k) => expect(f.equals(stream.subarray(k * size, (k + 1) * size))).toBe(true));
      expect(reader.pendingBytes).toBe(0);
    }
  });

  it('hands out frames that stay intact after later pushes (no buffer reuse)', () => {
    const size = 12;
    const stream = makeStream(4, size);
    const frames: Buffer[] = [];
    const reader = new FrameReader(size, (f) => frames.push(f));
    reader.push(stream.subarray(0, 5));
    reader.push(stream.subarray(5, 30));
    reader.push(stream.subarray(30));
    expect(Buffer.concat(frames).equals(stream)).toBe(true);
  });

  it('does not copy a frame that sits inside one chunk', () => {
    const size = 8;
    const chunk = makeStream(2, size);
    const frames: Buffer[] = [];
    new FrameReader(size, (f) => frames.push(f)).push(chunk);
    expect(frames[1].buffer).toBe(chunk.buffer);
    expect(frames[1].byteOffset).toBe(chunk.byteOffset + size);
  });

  it('keeps a partial frame pending and drops it on reset', () => {
    const frames: Buffer[] = [];
    const reader = new FrameReader(10, (f) => frames.push(f));
    reader.push(Buffer.alloc(7, 1));
    expect(reader.pendingBytes).toBe(7);
    reader.reset();
    reader.push(Buffer.alloc(10, 2));
    expect(frames).toHaveLength(1);
    expect(frames[0].every((b) => b === 2)).toBe(true);
  });

  it('rejects a nonsensical frame size', () => {
    expect(() => new FrameReader(0, () => undefined)).toThrow(/frame size 0/);
  });
});

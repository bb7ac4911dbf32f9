import { BufferPool } from './buffer-pool';
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

  it('copies out of the chunk, so a reused read buffer never corrupts delivered frames', () => {
    const size = 8;
    const stream = makeStream(3, size);
    const readBuffer = Buffer.alloc(10);
    const frames: Buffer[] = [];
    const reader = new FrameReader(size, (f) => frames.push(f));
    for (let at = 0; at < stream.length; at += 10) {
      const n = stream.copy(readBuffer, 0, at, at + 10);
      reader.push(readBuffer.subarray(0, n));
      readBuffer.fill(0xee); // the next read overwrites it
    }
    expect(Buffer.concat(frames).equals(stream)).toBe(true);
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

describe('FrameReader with a BufferPool', () => {
  it('assembles frames into pooled buffers and reuses released ones', () => {
    const size = 10;
    const pool = new BufferPool(size, 2);
    const frames: Buffer[] = [];
    const reader = new FrameReader(size, (f) => frames.push(f), () => pool.acquire());
    const stream = makeStream(3, size);
    reader.push(stream.subarray(0, 4));
    reader.push(stream.subarray(4, 10));
    expect(frames).toHaveLength(1);
    const first = frames[0];
    expect(first.equals(stream.subarray(0, 10))).toBe(true);
    pool.release(first);
    expect(pool.idle).toBe(1);
    reader.push(stream.subarray(10, 13));
    reader.push(stream.subarray(13, 30));
    expect(frames[1]).toBe(first); // the released buffer came back
    expect(frames[1].equals(stream.subarray(10, 20))).toBe(true);
    expect(frames[2].equals(stream.subarray(20, 30))).toBe(true);
    expect(pool.idle).toBe(0);
  });

  it('ignores buffers it did not make and keeps at most maxFree', () => {
    const pool = new BufferPool(4, 1);
    pool.release(Buffer.alloc(4));
    expect(pool.idle).toBe(0);
    const a = pool.acquire();
    const b = pool.acquire();
    pool.release(a);
    pool.release(a);
    pool.release(b);
    expect(pool.idle).toBe(1);
    expect(() => new FrameReader(5, () => undefined, () => Buffer.alloc(4)).push(Buffer.alloc(3))).toThrow(/gave 4 bytes/);
  });
});

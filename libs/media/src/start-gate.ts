/**
 * Bounds how many camera readers are starting at once: spawned, but no frame yet. Starting is the
 * costly moment of a reader (RTSP session set-up, ffmpeg probing and decoding up to the first
 * keyframe); a worker that claims 60 cameras, or sees 60 cameras come back after a power cut, would
 * otherwise start them all together on a small box, miss the first-frame deadline everywhere and
 * restart them all again (measured: 36 of 60 up after 90 s on 2 cores, restarts in waves). Waiters are
 * served first come, first served.
 */
export class StartGate {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`start gate: limit ${limit} must be a positive integer`);
  }

  /** Readers starting now. */
  get starting(): number {
    return this.active;
  }

  /** Readers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves once a slot is free, with the function that frees it again (calling it twice frees one slot). */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.waiters.shift()?.();
        });
      };
      if (this.active < this.limit) grant();
      else this.waiters.push(grant);
    });
  }
}

/** One snapshot write's hold on a slot of SnapshotSlots. */
export interface SnapshotSlot {
  /** The write's frame went out without it (its deadline passed) while it still runs. */
  abandon(): void;
  /** The write settled: the slot is free for the next in line. */
  release(): void;
}

/**
 * Snapshot write slots shared by every frame of the process, given out in the order asked for.
 * Writes on a working share take turns; only writes whose frame already gave up on them (abandoned:
 * a hung share) make new frames go without a snapshot at once — each such write keeps one of
 * libuv's four threads, which sharp needs too, so waiting behind them would only wait out the
 * frame's deadline.
 */
export class SnapshotSlots {
  private inUse = 0;
  private abandoned = 0;
  private readonly queue: Array<{ grant: (slot: SnapshotSlot) => void; refuse: (err: Error) => void }> = [];

  /** @param size writes at once, abandoned ones included (at least 1). */
  constructor(private readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new Error(`snapshot write slots must be a whole number ≥ 1, got ${size}`);
  }

  /**
   * A slot, at once when one is free, else when one frees; refused at once while every slot is held
   * by an abandoned write, and when `signal` aborts while waiting (the frame's deadline).
   */
  acquire(signal: AbortSignal): Promise<SnapshotSlot> {
    if (signal.aborted) return Promise.reject(deadlinePassed());
    if (this.abandoned >= this.size) return Promise.reject(new Error(`${this.abandoned} earlier snapshots are still being written (SNAPSHOT_DIR on a stalled share?)`));
    if (this.inUse < this.size) return Promise.resolve(this.take());
    return new Promise<SnapshotSlot>((grant, refuse) => {
      const waiter = { grant, refuse };
      this.queue.push(waiter);
      signal.addEventListener(
        'abort',
        () => {
          const at = this.queue.indexOf(waiter);
          if (at < 0) return;
          this.queue.splice(at, 1);
          refuse(deadlinePassed());
        },
        { once: true },
      );
    });
  }

  private take(): SnapshotSlot {
    this.inUse++;
    let abandoned = false;
    let released = false;
    return {
      abandon: () => {
        if (abandoned || released) return;
        abandoned = true;
        this.abandoned++;
      },
      release: () => {
        if (released) return;
        released = true;
        if (abandoned) this.abandoned--;
        this.inUse--;
        this.next();
      },
    };
  }

  private next(): void {
    while (this.queue.length && this.inUse < this.size) this.queue.shift()!.grant(this.take());
  }
}

const deadlinePassed = () => new Error('snapshot deadline passed before a write slot was free');

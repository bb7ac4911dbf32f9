import type { SweepCursor } from './camera-status.repository';

/** One sweep's list: how to read it a page at a time, and what to do with each row. */
export interface SweepList<T> {
  /** At most `limit` rows after `cursor` (undefined: from the start), in the list's order. */
  read(cursor: SweepCursor | undefined, limit: number): Promise<T[]>;
  /** Where a row sits in the list's order; null: a row the sweep cannot act on (skipped, not a cursor). */
  cursorOf(row: T): SweepCursor | null;
  /** Acts on one row; true when it counts. A throw is handed to `failed`, and the sweep goes on. */
  handle(row: T): Promise<boolean>;
  failed(row: T, err: Error): void;
}

/**
 * A sweep over a list the database keeps (cameras whose timer did not fire), at most `pages` pages of
 * `batch` rows a round. It remembers where it stopped: a row that fails, or that it cannot act on
 * yet, is passed over and holds up none of the others; once the list is read to its end the next
 * round starts again from its beginning.
 */
export class PagedSweep<T> {
  private cursor?: SweepCursor;

  constructor(
    private readonly list: SweepList<T>,
    private readonly batch: number,
    private readonly pages: number,
  ) {}

  /** One round; how many rows counted. */
  async run(): Promise<number> {
    let counted = 0;
    for (let page = 0; page < this.pages; page++) {
      const rows = await this.list.read(this.cursor, this.batch);
      for (const row of rows) {
        const at = this.list.cursorOf(row);
        if (at === null) continue;
        this.cursor = at;
        try {
          if (await this.list.handle(row)) counted++;
        } catch (err) {
          this.list.failed(row, err as Error);
        }
      }
      if (rows.length < this.batch) {
        this.cursor = undefined; // read to the end: the next round starts again from the beginning
        break;
      }
    }
    return counted;
  }
}

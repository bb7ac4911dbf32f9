// Local wall-clock time in an IANA zone for many instants. Intl formatting costs ~3 µs per call,
// which made a 100,000-alert report spend most of its time there; the zone's offset is constant
// within a quarter hour (every offset and every transition in use falls on 15 minutes), so it is
// asked once per quarter hour and the rest is arithmetic.

const QUARTER_HOUR = 15 * 60_000;

export class LocalTime {
  private readonly parts: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timezone: string) {
    this.parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Milliseconds to add to UTC for the wall-clock time at `at`. */
  offsetAt(at: number): number {
    const slot = Math.floor(at / QUARTER_HOUR) * QUARTER_HOUR;
    let offset = this.offsets.get(slot);
    if (offset === undefined) {
      const p = Object.fromEntries(this.parts.formatToParts(slot).map((x) => [x.type, Number(x.value)]));
      offset = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - slot;
      this.offsets.set(slot, offset);
    }
    return offset;
  }

  /**
   * Epoch ms of a wall-clock time in this zone, given as Date.UTC of its figures. The offset is taken
   * at the instant itself (read twice: the first guess may fall on the other side of a transition);
   * a time a summer-time change repeats or skips reads as one of the two instants around it (which one
   * depends on the zone's direction of change; Asia/Shanghai has none).
   */
  utcOf(wallMs: number): number {
    const guess = wallMs - this.offsetAt(wallMs);
    return wallMs - this.offsetAt(guess);
  }

  /** Hour of the day, 0–23. */
  hour(at: number): number {
    return new Date(at + this.offsetAt(at)).getUTCHours();
  }

  /** "2026-07-01 14:05:09": read as a date-time by spreadsheets. */
  format(at: number): string {
    return new Date(at + this.offsetAt(at)).toISOString().slice(0, 19).replace('T', ' ');
  }
}

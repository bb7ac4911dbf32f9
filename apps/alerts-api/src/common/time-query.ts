import { z } from 'zod';

/** A date or date-time without a zone, as given: read in a time zone the request names elsewhere. */
export interface WallClockTime {
  /** Epoch ms of these wall-clock figures read as UTC (Date.UTC); the zone's offset is subtracted later. */
  wallMs: number;
  text: string;
}

// ISO 8601 as people type it: a date, or a date and time to the minute, second or millisecond,
// optionally with Z or an offset. Date.parse alone would also take "July 1, 2026" and read a time
// without a zone in the server's own zone, which no caller can see.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

type Parsed = { ms: number } | { wall: WallClockTime } | { error: string };

/** The range of a JavaScript Date (±100,000,000 days): beyond it every date function throws. */
const MAX_EPOCH_MS = 8.64e15;
const RANGE = 'must be epoch milliseconds or an ISO 8601 date-time';

function parseTime(value: string): Parsed {
  if (/^\d+$/.test(value)) {
    const ms = Number(value);
    return ms <= MAX_EPOCH_MS ? { ms } : { error: `${RANGE}; ${value} is past the last time a date can hold (${MAX_EPOCH_MS})` };
  }
  const m = ISO.exec(value);
  if (!m) return { error: `${RANGE} such as 2026-07-01T08:00:00+08:00` };
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(wallMs);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return { error: `'${value}' is not a date that exists` };
  }
  const zone = m[8];
  if (!zone) return { wall: { wallMs, text: value } };
  if (zone === 'Z') return { ms: wallMs };
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  if (Number(digits.slice(2)) > 59 || offsetMinutes > 18 * 60) return { error: `'${value}': the offset ${zone} is out of range (±18:00, minutes 00–59)` };
  return { ms: wallMs - sign * offsetMinutes * 60_000 };
}

/**
 * A time in a query string that must stand on its own: epoch milliseconds or an ISO 8601 date-time
 * with Z or an offset, as epoch ms. One without a zone is refused rather than read in the server's
 * zone (UTC in a container, +08:00 on a desk) — the same query must not mean two instants.
 */
export const timeQuery = z
  .string()
  .transform((value, ctx) => {
    const parsed = parseTime(value);
    if ('ms' in parsed) return parsed.ms;
    ctx.addIssue({ code: 'custom', message: 'error' in parsed ? parsed.error : `'${value}' has no time zone: add Z or an offset such as +08:00, or give epoch milliseconds` });
    return z.NEVER;
  })
  .describe('epoch milliseconds or ISO 8601 date-time with Z or an offset (2026-07-01T08:00:00+08:00)');

/**
 * A time in a query string that also names a time zone (`timezone`): epoch ms, an ISO 8601 date-time
 * with a zone, or a date or date-time without one, which is wall-clock time in that zone (a report
 * "from 2026-07-01" in Asia/Shanghai starts at midnight there). Resolve with `epochOf`.
 */
export const localTimeQuery = z
  .string()
  .transform((value, ctx): number | WallClockTime => {
    const parsed = parseTime(value);
    if ('ms' in parsed) return parsed.ms;
    if ('wall' in parsed) return parsed.wall;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  })
  .describe('epoch milliseconds, ISO 8601 date-time with a zone, or a date / date-time without one, read in `timezone`');

/** Epoch ms of a localTimeQuery value; `utcOf` turns wall-clock figures of the request's zone into epoch ms. */
export function epochOf(value: number | WallClockTime, utcOf: (wallMs: number) => number): number {
  return typeof value === 'number' ? value : utcOf(value.wallMs);
}

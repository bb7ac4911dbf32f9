// Rule schedules: time windows in the camera's IANA time zone, evaluated with Intl (no dependency).
// Start is inclusive, end exclusive, both at minute resolution. A window whose end is before its
// start spans midnight; its `days`/`months` name the day the window starts (a "Friday 19:00–06:00"
// window covers Saturday 05:59). A window whose start equals its end covers 24 hours from the start.
// An end of 23:59 means the end of the day, as 24:00 does: it is what people write for "until
// midnight", and read as exclusive it left 23:59–24:00 uncovered between 19:00–23:59 and 00:00–06:00
// (a boat moored across midnight ended and raised again; review 2026-12-03 rules-crowd-night).
import type { z } from 'zod';
import type { scheduleWindowSchema } from '@xl/config';

export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;

/** Wall-clock reading of an instant in one time zone. */
export interface LocalClock {
  /** Minutes since local midnight, 0–1439. */
  minutes: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  isoDay: number;
  /** Month 1–12. */
  month: number;
  /** Weekday and month of the previous local day (for the after-midnight part of a window). */
  prevIsoDay: number;
  prevMonth: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'short',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function localClock(timeZone: string, epochMs: number): LocalClock {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  const isoDay = WEEKDAYS[parts.weekday];
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour) % 24;
  return {
    minutes: hour * 60 + Number(parts.minute),
    isoDay,
    month,
    prevIsoDay: isoDay === 1 ? 7 : isoDay - 1,
    prevMonth: day === 1 ? (month === 1 ? 12 : month - 1) : month,
  };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function dayMatches(w: ScheduleWindow, isoDay: number, month: number): boolean {
  return (!w.days || w.days.includes(isoDay)) && (!w.months || w.months.includes(month));
}

/** The last minute of the day, as an end: the end of the day. */
const END_OF_DAY_AS_WRITTEN = 23 * 60 + 59;

export function windowContains(w: ScheduleWindow, c: LocalClock): boolean {
  const start = toMinutes(w.start);
  const written = toMinutes(w.end);
  const end = written === END_OF_DAY_AS_WRITTEN && start !== written ? 24 * 60 : written;
  const today = dayMatches(w, c.isoDay, c.month);
  if (start < end) return today && c.minutes >= start && c.minutes < end;
  const yesterday = dayMatches(w, c.prevIsoDay, c.prevMonth);
  if (start > end) return (today && c.minutes >= start) || (yesterday && c.minutes < end);
  return (today && c.minutes >= start) || (yesterday && c.minutes < start);
}

/** True when the schedule is empty (always active) or any of its windows contains the clock reading. */
export function scheduleActive(windows: readonly ScheduleWindow[], clock: LocalClock): boolean {
  return windows.length === 0 || windows.some((w) => windowContains(w, clock));
}

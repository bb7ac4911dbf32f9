// Pure helpers of the zone editor: pointer positions to the normalized 0..1 coordinates the camera
// configuration uses, schedules as one line of text.
import type { Point, ScheduleWindow } from './types';

/** A pointer this close to an edge of the picture (screen pixels) means the edge. */
export const EDGE_SNAP_PIXELS = 4;
/** …and at least this close (normalized): the rule engine's FRAME_EDGE_MARGIN, its band of boxes cut by the border. */
const EDGE_SNAP_SHARE = 0.005;

/**
 * A pointer position inside `rect` as a normalized point, clamped to the picture, 4 decimals; within
 * EDGE_SNAP_PIXELS (or 0.005) of an edge, exactly on it. A click or drag stays inside the canvas, so
 * its last row is y ≈ 0.998 (0.994 on a small one): a zone drawn "down to the border" would end short
 * of it, and miss the person below the camera whose box the border cuts.
 */
export function toNormalized(clientX: number, clientY: number, rect: { left: number; top: number; width: number; height: number }): Point {
  const coordinate = (offset: number, size: number) => {
    const v = Math.min(1, Math.max(0, offset / size));
    const snap = Math.max(EDGE_SNAP_PIXELS / size, EDGE_SNAP_SHARE);
    if (v <= snap) return 0;
    if (v >= 1 - snap) return 1;
    return Math.round(v * 10_000) / 10_000;
  };
  return [coordinate(clientX - rect.left, rect.width), coordinate(clientY - rect.top, rect.height)];
}

/** SVG points attribute in a 1000 × 1000 view box. */
export function svgPoints(points: Point[]): string {
  return points.map(([x, y]) => `${x * 1000},${y * 1000}`).join(' ');
}

/** A fresh id `prefix-N` not used by `taken`. */
export function freshId(prefix: string, taken: string[]): string {
  for (let n = 1; ; n++) if (!taken.includes(`${prefix}-${n}`)) return `${prefix}-${n}`;
}

// One window is `[mMONTHS] [DAYS] HH:MM-HH:MM`: DAYS are ISO weekdays (1 = Monday … 7 = Sunday) and
// MONTHS 1–12 after an `m`, each a list of numbers and low-high ranges ("1-5", "1,3,6-7", "m3-6").
// Months are written out like days: a field that could not show them dropped them at each edit, and a
// fishing-ban season became every night all year.
const LIST = /^\d{1,2}(?:-\d{1,2})?(?:,\d{1,2}(?:-\d{1,2})?)*$/;
const WINDOW = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;
const SYNTAX = 'write [mMONTHS] [DAYS] HH:MM-HH:MM, e.g. 1-5 15:00-19:00 or m3-6 19:00-06:00';

/** "1-5 15:00-19:00; m3-6 19:00-06:00" → windows; throws naming the part it cannot read. */
export function parseSchedule(text: string): ScheduleWindow[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const words = part.split(/\s+/);
      const window = WINDOW.exec(words[words.length - 1]);
      if (!window || words.length > 3) throw new Error(`cannot read schedule "${part}": ${SYNTAX}`);
      // As the API's schema takes them: a start 00:00–23:59, an end up to 24:00 (the end of the day).
      if (!isTimeOfDay(window[1], false) || !isTimeOfDay(window[2], true)) throw new Error(`cannot read schedule "${part}": times are 00:00–23:59 (an end may be 24:00)`);
      const out: ScheduleWindow = { start: window[1], end: window[2] };
      for (const word of words.slice(0, -1)) {
        const isMonths = /^m/i.test(word);
        const spec = isMonths ? word.slice(1) : word;
        if (!LIST.test(spec) || (isMonths ? out.months : out.days)) throw new Error(`cannot read schedule "${part}": ${SYNTAX}`);
        if (isMonths) out.months = expandList(spec, 12, 'months', part);
        else out.days = expandList(spec, 7, 'days', part);
      }
      return out;
    });
}

function isTimeOfDay(hhmm: string, asEnd: boolean): boolean {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return minutes <= 59 && (hours <= 23 || (asEnd && hours === 24 && minutes === 0));
}

/** "1,3,6-7" → [1, 3, 6, 7]; throws when a number is outside 1..max or a range runs backwards. */
function expandList(spec: string, max: number, what: 'days' | 'months', part: string): number[] {
  const values = new Set<number>();
  for (const piece of spec.split(',')) {
    const [low, high = low] = piece.split('-').map(Number);
    if (low < 1 || high > max || high < low) throw new Error(`cannot read schedule "${part}": ${what} are 1–${max}, a range low-high (${what === 'months' ? 'm11-12,1-2 is November to February' : '6-7,1 is Saturday to Monday'})`);
    for (let n = low; n <= high; n++) values.add(n);
  }
  return [...values].sort((a, b) => a - b);
}

/** Windows → the text parseSchedule reads, months and days included: the round trip keeps every window as it is. */
export function formatSchedule(windows: ScheduleWindow[] = []): string {
  return windows.map((w) => `${w.months?.length ? 'm' + compactList(w.months) + ' ' : ''}${w.days?.length ? compactList(w.days) + ' ' : ''}${w.start}-${w.end}`).join('; ');
}

function compactList(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return runs.join(',');
}

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

const DAYS = /^(\d(?:-\d)?(?:,\d(?:-\d)?)*)$/;
const WINDOW = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;

/** "1-5 15:00-19:00; 19:00-06:00" → windows; throws naming the part it cannot read. */
export function parseSchedule(text: string): ScheduleWindow[] {
  return text
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const words = part.split(/\s+/);
      const window = WINDOW.exec(words[words.length - 1]);
      if (!window || words.length > 2 || (words.length === 2 && !DAYS.test(words[0]))) throw new Error(`cannot read schedule "${part}": write [days] HH:MM-HH:MM, e.g. 1-5 15:00-19:00`);
      const out: ScheduleWindow = { start: window[1], end: window[2] };
      if (words.length === 2) out.days = expandDays(words[0]);
      return out;
    });
}

function expandDays(spec: string): number[] {
  const days = new Set<number>();
  for (const piece of spec.split(',')) {
    const [a, b] = piece.split('-').map(Number);
    for (let d = a; d <= (b ?? a); d++) days.add(d);
  }
  return [...days].sort();
}

/** Windows → the text parseSchedule reads (months are not editable here and are kept as they are). */
export function formatSchedule(windows: ScheduleWindow[] = []): string {
  return windows.map((w) => `${w.days?.length ? compactDays(w.days) + ' ' : ''}${w.start}-${w.end}`).join('; ');
}

function compactDays(days: number[]): string {
  const sorted = [...days].sort();
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    runs.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j;
  }
  return runs.join(',');
}

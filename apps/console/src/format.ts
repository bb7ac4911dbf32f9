import type { Lang } from './i18n';

// Times are shown in the deployment's time zone (DISPLAY_TIME_ZONE, GET /console/settings.json), not
// the PC's: a kiosk left on UTC showed every alert 8 h off the camera's on-screen clock and started
// the duty report's "today" at 08:00 Beijing time. Until the settings are read (or when they cannot
// be), the PC's zone.
let displayTimeZone: string | undefined;
let wallFormatter: Intl.DateTimeFormat | undefined;

/** Sets the zone times are shown and entered in; an unknown zone (or none) leaves the PC's. */
export function setDisplayTimeZone(timeZone: string | undefined): void {
  try {
    wallFormatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    displayTimeZone = timeZone;
  } catch {
    wallFormatter = undefined;
    displayTimeZone = undefined;
  }
}

/** The IANA zone times are shown in (what reports are asked in). */
export function displayZone(): string {
  return displayTimeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Wall-clock fields of `ms` in the display zone. */
function wallClock(ms: number): [year: number, month: number, day: number, hour: number, minute: number, second: number] {
  if (!wallFormatter) setDisplayTimeZone(displayTimeZone);
  const parts: Record<string, string> = {};
  for (const p of wallFormatter!.formatToParts(new Date(ms))) parts[p.type] = p.value;
  return [Number(parts.year), Number(parts.month), Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second)];
}

const DAY_MS = 24 * 3_600_000;

/** How far the display zone's clock is ahead of UTC at `ms`. */
function offsetAt(ms: number): number {
  const [y, mo, d, h, mi, s] = wallClock(ms);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant whose wall clock in the display zone reads these fields: the earlier one in a DST
 * overlap; in a gap (a time the clocks skip) the one as far past the gap's start, read with the
 * offset before it — so a midnight the clocks skip (America/Santiago, Asia/Beirut, America/Havana jump
 * from 00:00 to 01:00) is the jump itself, the first instant of that day, not 23:00 of the one before.
 */
function fromWallClock(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  // The offsets a day either side: equal but next to a DST change, and then the two readings to try.
  const before = asUtc - offsetAt(asUtc - DAY_MS);
  const after = asUtc - offsetAt(asUtc + DAY_MS);
  const reads = (ms: number) => {
    const [y, mo, d, h, mi, s] = wallClock(ms);
    return Date.UTC(y, mo - 1, d, h, mi, s) === asUtc;
  };
  if (reads(Math.min(before, after))) return Math.min(before, after);
  if (reads(Math.max(before, after))) return Math.max(before, after);
  return before; // in a gap
}

/** Date and time of an epoch-ms instant in the display zone, e.g. 2026-06-01 14:03:07. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  const [y, mo, d, h, mi, s] = wallClock(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${y}-${p(mo)}-${p(d)} ${p(h)}:${p(mi)}:${p(s)}`;
}

/** A <input type="datetime-local"> value, read in the display zone, as epoch ms (undefined when empty or invalid). */
export function fromLocalInput(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) return undefined;
  const ms = fromWallClock(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return Number.isFinite(ms) ? ms : undefined;
}

const DURATION_UNITS: Record<Lang, { s: string; min: string; h: string; d: string }> = {
  en: { s: ' s', min: ' min', h: ' h', d: ' d' },
  'zh-CN': { s: ' 秒', min: ' 分钟', h: ' 小时', d: ' 天' },
};

/**
 * A duration for people: "42 s", "3 min 5 s", "2 h 4 min", "3 d 2 h" (zh-CN "3 分钟 5 秒"); "—" when
 * unknown. Under 10 s with one decimal when it has one (a sub-second SLA is not "0 s").
 */
export function formatDuration(ms: number | null, lang: Lang = 'en'): string {
  if (ms === null) return '—';
  const u = DURATION_UNITS[lang];
  const s = Math.round(ms / 1000);
  if (s < 60) return `${ms < 9_950 ? Math.round(ms / 100) / 10 : s}${u.s}`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}${u.min} ${s % 60}${u.s}` : `${m}${u.min}`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}${u.h} ${m % 60}${u.min}` : `${h}${u.h}`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}${u.d} ${h % 24}${u.h}` : `${d}${u.d}`;
}

/**
 * The first instant of the day of `ms` in the display zone: its midnight, or where the clocks skip
 * midnight (DST starting at 00:00), the moment they jump to 01:00.
 */
export function startOfLocalDay(ms: number): number {
  const [y, mo, d] = wallClock(ms);
  return fromWallClock(y, mo, d, 0, 0, 0);
}

/** An epoch-ms instant as a <input type="datetime-local"> value (display zone, minutes). */
export function toLocalInput(ms: number): string {
  return formatTime(ms).slice(0, 16).replace(' ', 'T');
}

/** Cameras named for a banner: the first `shown` by name (else id), the rest counted, in the reader's list style. */
export function cameraNameList(cameras: readonly { id: string; name: string | null }[], lang: Lang, shown = 5): string {
  const names = cameras.slice(0, shown).map((c) => c.name ?? c.id);
  if (cameras.length > shown) names.push(`+${cameras.length - shown}`);
  return names.join(lang === 'en' ? ', ' : '、');
}

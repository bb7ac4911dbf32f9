import type { Lang } from './i18n';

/** Local date and time of an epoch-ms instant, e.g. 2026-06-01 14:03:07. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A <input type="datetime-local"> value as epoch ms (undefined when empty or invalid). */
export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
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

/** The instant of local midnight that starts the day of `ms`. */
export function startOfLocalDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** An epoch-ms instant as a <input type="datetime-local"> value (local time, minutes). */
export function toLocalInput(ms: number): string {
  return formatTime(ms).slice(0, 16).replace(' ', 'T');
}

/** Cameras named for a banner: the first `shown` by name (else id), the rest counted, in the reader's list style. */
export function cameraNameList(cameras: readonly { id: string; name: string | null }[], lang: Lang, shown = 5): string {
  const names = cameras.slice(0, shown).map((c) => c.name ?? c.id);
  if (cameras.length > shown) names.push(`+${cameras.length - shown}`);
  return names.join(lang === 'en' ? ', ' : '、');
}

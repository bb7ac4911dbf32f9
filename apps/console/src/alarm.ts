import { alertText } from './alert-text';
import { initialLang, type Lang, translate, translateValue } from './i18n';
import type { Alert } from './types';
import { CONSOLE_BASE } from './console-base';

let audio: AudioContext | null = null;

/** The page's one AudioContext (null without Web Audio). */
export function audioContext(): AudioContext | null {
  try {
    audio ??= new AudioContext();
    return audio;
  } catch {
    return null;
  }
}

/**
 * True while the browser keeps the alarm silent: a page opened or reloaded without a click or key
 * press (an alarm screen that restarted by itself) gets a suspended AudioContext until one.
 */
export function soundBlocked(): boolean {
  return audioContext()?.state === 'suspended';
}

/** Lets the alarm sound; call it from a click or key press. */
export async function unlockSound(): Promise<void> {
  await audioContext()
    ?.resume()
    .catch(() => undefined);
}

/** How soon a suspended context must resume for the alarm asked meanwhile to still sound. */
const RESUME_WAIT_MS = 1000;

/**
 * The two sounds, so that an operator can tell them apart without looking: `critical` (a possible
 * drowning, a school's warning) is the loud high two-tone alarm, 880/660 Hz three times (2.1 s);
 * `escalation` (an alert of lower severity handed to the user's region) one soft low falling pair.
 */
export type AlarmSound = 'critical' | 'escalation';
const SOUNDS: Record<AlarmSound, { hz: number[]; gain: number; step: number; length: number }> = {
  critical: { hz: [880, 660, 880, 660, 880, 660], gain: 0.2, step: 0.35, length: 0.3 },
  escalation: { hz: [523, 392], gain: 0.08, step: 0.3, length: 0.25 },
};

/**
 * Plays one of the alarm sounds (Web Audio: no sound file to ship). Browsers allow it after a first
 * click. A suspended context does not advance: tones scheduled on it would all sound at once when it
 * resumes (hours later, at a click). So it is asked to resume, and sounds only if that is immediate.
 */
export function playAlarm(sound: AlarmSound = 'critical'): void {
  const ctx = audioContext();
  if (!ctx) return;
  if (ctx.state === 'running') return tones(ctx, sound);
  const asked = Date.now();
  ctx
    .resume()
    .then(() => {
      if (ctx.state === 'running' && Date.now() - asked < RESUME_WAIT_MS) tones(ctx, sound);
    })
    .catch(() => undefined);
}

function tones(ctx: AudioContext, sound: AlarmSound): void {
  const { hz, gain: level, step, length } = SOUNDS[sound];
  try {
    for (let i = 0; i < hz.length; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = hz[i];
      gain.gain.value = level;
      osc.connect(gain).connect(ctx.destination);
      const at = ctx.currentTime + i * step;
      osc.start(at);
      osc.stop(at + length);
    }
    (window as unknown as { __xlAlarms?: number }).__xlAlarms = ((window as unknown as { __xlAlarms?: number }).__xlAlarms ?? 0) + 1;
  } catch {
    // no audio device: the visual alarm remains
  }
}

/** A notification's title and text: the alert's rule by name (a critical camera alert is no drowning). */
export function alarmNotice(lang: Lang, alert: Alert): { title: string; text: string } {
  return { title: translateValue(lang, 'rule', alert.rule), text: alertText(lang, alert) };
}

/**
 * The notifications shown, by tag (an alert's id, or BURST_TAG). They stay until clicked away
 * (requireInteraction), so they are closed at sign-out — on a shared PC the next user would read the
 * last one's alerts — and when their alert is answered (use-feed.ts).
 */
const shown = new Map<string, Notification>();

/**
 * Brings the console's tab to the front and shows `route` in it, as a click on a link of the
 * console does (app.tsx navigate; the app follows popstate).
 */
function openRoute(route: string): void {
  window.focus();
  history.pushState(null, '', CONSOLE_BASE + route);
  dispatchEvent(new PopStateEvent('popstate'));
}

/**
 * Shows a notification that stays until clicked away; a click opens `route` and closes it. `alertAgain`:
 * one that replaces another of its tag sounds and pops up again (false: it only changes the text).
 */
function show(tag: string, title: string, body: string, route: string, alertAgain = true): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  // renotify is not in TypeScript's DOM types.
  const notification = new Notification(title, { body, tag, requireInteraction: true, renotify: alertAgain } as NotificationOptions);
  shown.set(tag, notification); // the same tag replaced the one before
  notification.onclose = () => {
    if (shown.get(tag) === notification) shown.delete(tag);
  };
  notification.onclick = () => {
    openRoute(route);
    notification.close();
  };
}

/** A desktop notification of one alert when the user allowed them; `text` in the user's language. A click opens the alert. */
export function notify(title: string, text: string, alert: Alert): void {
  // One notification per alert (its id as tag).
  show(alert.id, title, `${alert.cameraName ?? alert.cameraId}: ${text}`, `alerts/${encodeURIComponent(alert.id)}`);
}

/** The one notification of a burst of escalations (a fixed tag: the next burst's replaces it). */
export const BURST_TAG = 'xl.escalation-burst';

/**
 * One notification for `count` alerts escalated to the user at about the same time, naming the most
 * urgent (`worst`: `title` and `text` describe it). A click opens the alert list, where the
 * unanswered critical alerts are on top. `update`: fewer of them wait now (others answered them) —
 * it replaces the one on screen quietly, and shows none when the user clicked that one away.
 */
export function notifyBurst(title: string, text: string, worst: Alert, count: number, options: { update?: boolean } = {}): void {
  if (options.update && !shown.has(BURST_TAG)) return;
  // The page's language: app.tsx keeps <html lang> at the user's.
  const lang = initialLang(typeof document === 'undefined' ? null : document.documentElement.lang);
  show(BURST_TAG, translate(lang, 'notify.burst', { count }), translate(lang, 'notify.burstWorst', { rule: title, camera: worst.cameraName ?? worst.cameraId, text }), '', !options.update);
}

/** Closes the notification of alert `id` (answered, or gone from view), or the burst's (BURST_TAG), if one is shown. */
export function closeNotification(id: string): void {
  shown.get(id)?.close();
  shown.delete(id);
}

/** Closes every notification this page showed (sign-out). */
export function closeNotifications(): void {
  for (const notification of shown.values()) notification.close();
  shown.clear();
}

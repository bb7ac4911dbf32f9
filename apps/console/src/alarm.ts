import { alertText } from './alert-text';
import { type Lang, translateValue } from './i18n';
import type { Alert } from './types';

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
 * A short two-tone alarm (Web Audio: no sound file to ship). Browsers allow it after a first click.
 * A suspended context does not advance: tones scheduled on it would all sound at once when it
 * resumes (hours later, at a click). So it is asked to resume, and sounds only if that is immediate.
 */
export function playAlarm(repeats = 3): void {
  const ctx = audioContext();
  if (!ctx) return;
  if (ctx.state === 'running') return tones(ctx, repeats);
  const asked = Date.now();
  ctx
    .resume()
    .then(() => {
      if (ctx.state === 'running' && Date.now() - asked < RESUME_WAIT_MS) tones(ctx, repeats);
    })
    .catch(() => undefined);
}

function tones(ctx: AudioContext, repeats: number): void {
  try {
    for (let i = 0; i < repeats * 2; i++) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = i % 2 ? 660 : 880;
      gain.gain.value = 0.2;
      osc.connect(gain).connect(ctx.destination);
      const at = ctx.currentTime + i * 0.35;
      osc.start(at);
      osc.stop(at + 0.3);
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
 * The notifications shown, by alert id. They stay until clicked away (requireInteraction), so they
 * are closed at sign-out — on a shared PC the next user would read the last one's alerts — and when
 * their alert is resolved.
 */
const shown = new Map<string, Notification>();

/** A desktop notification when the user allowed them; `text` in the user's language. */
export function notify(title: string, text: string, alert: Alert): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  // One notification per alert (tag); renotify: raised again, it alerts the user again (not in TypeScript's DOM types).
  const notification = new Notification(title, { body: `${alert.cameraName ?? alert.cameraId}: ${text}`, tag: alert.id, requireInteraction: true, renotify: true } as NotificationOptions);
  shown.set(alert.id, notification); // the same tag replaced the one before
  notification.onclose = () => {
    if (shown.get(alert.id) === notification) shown.delete(alert.id);
  };
}

/** Closes the notification of alert `id`, if one is shown (the alert was resolved). */
export function closeNotification(id: string): void {
  shown.get(id)?.close();
  shown.delete(id);
}

/** Closes every notification this page showed (sign-out). */
export function closeNotifications(): void {
  for (const notification of shown.values()) notification.close();
  shown.clear();
}

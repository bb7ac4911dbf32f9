import type { Alert } from './types';

let audio: AudioContext | null = null;

/** A short two-tone alarm (Web Audio: no sound file to ship). Browsers allow it after a first click. */
export function playAlarm(repeats = 3): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
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

/** A desktop notification when the user allowed them. */
export function notify(title: string, alert: Alert): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  new Notification(title, { body: `${alert.cameraName ?? alert.cameraId}: ${alert.message}`, tag: alert.id, requireInteraction: true });
}

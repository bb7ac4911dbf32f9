// Stand-ins for what the console's unit tests cannot have in Node: the browser's Notification, and
// alerts-api's paged alert list (each page the newest of a set, matching its state and severity).
import type { Alert } from '../../apps/console/src/types';

/** The browser's Notification: those created, with their options, and whether each was closed. */
export class FakeNotification {
  static permission = 'granted';
  static all: FakeNotification[] = [];
  closed = false;
  onclose: (() => void) | null = null;
  onclick: (() => void) | null = null;
  constructor(
    readonly title: string,
    readonly options: { body: string; tag: string; requireInteraction?: boolean; renotify?: boolean },
  ) {
    FakeNotification.all.push(this);
  }
  close(): void {
    this.closed = true;
    this.onclose?.();
  }
}

/** A GET /alerts page of `alerts`: newest first, filtered by state and severity; the cursor here is the next page's offset. */
export function alertPage(alerts: Iterable<Alert>, q: { limit?: number; state?: string; severity?: string; cursor?: string }): { items: Alert[]; nextCursor: string | null } {
  const matching = [...alerts]
    .filter((a) => (!q.state || q.state.split(',').includes(a.state)) && (!q.severity || q.severity.split(',').includes(a.severity)))
    .sort((a, b) => b.startedAt - a.startedAt);
  const start = q.cursor ? Number(q.cursor) : 0;
  const end = start + (q.limit ?? 50);
  return { items: matching.slice(start, end), nextCursor: end < matching.length ? String(end) : null };
}

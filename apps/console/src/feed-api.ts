// The Api the console's screens use, tied to the feed: an alert the user can no longer see (an admin
// narrowed their scope, or it was deleted) stays on their map with its last state, since no push
// comes for it any more; a request about it that answers 404 is the first sign, so the feed drops it.
import { Api, isApiNotFound } from './api';
import type { Alert } from './types';

/** What FeedApi needs of the feed (use-feed.ts `Feed`). */
export interface GoneFeed {
  alerts: Map<string, Alert>;
  drop(gone: Alert[]): void;
}

/**
 * The alert a request is about when its 404 means "not found or out of scope" (alerts-api's
 * `visible`): the detail and the steps on one alert. Not the list, not bulk, and not the evidence,
 * whose 404 may only mean an API without that module.
 */
export function alertAskedAbout(path: string): string | null {
  const m = /^\/alerts\/([^/?]+)(?:\/(acknowledge|dispatch|resolve|seen|notes))?$/.exec(path);
  return m && m[1] !== 'bulk' ? decodeURIComponent(m[1]) : null;
}

export class FeedApi extends Api {
  constructor(
    token: string,
    onUnauthorized: () => void,
    /** The feed as last rendered (null before the first render). */
    private readonly feed: () => GoneFeed | null,
  ) {
    super(token, onUnauthorized);
  }

  // Every parameter passed on: a dropped `headers` sent edits without their If-Match (review 2026-12-03).
  override async request<T>(method: string, path: string, body?: unknown, limitMs?: number | null, headers?: Record<string, string>): Promise<T> {
    const id = alertAskedAbout(path);
    // The copy held when asked: only that one is dropped, a push since then (in scope again) stays.
    const asked = id === null ? undefined : this.feed()?.alerts.get(id);
    try {
      return await super.request<T>(method, path, body, limitMs, headers);
    } catch (err) {
      if (asked && isApiNotFound(err)) this.feed()?.drop([asked]);
      throw err;
    }
  }
}

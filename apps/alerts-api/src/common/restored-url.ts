import { restoreRedacted } from './redact';
import { validationError } from './zod-pipe';

/**
 * An edited URL with its *** secrets filled from the stored one (what GET showed, sent back): a
 * camera's RTSP URL, a webhook's. 400 naming `field` when it points elsewhere: the stored secret
 * must not be sent to another scheme, host, port or user.
 */
export function restoredUrl(field: string, next: string, stored: string | undefined): string {
  const restored = restoreRedacted(next, stored);
  if (restored !== null) return restored;
  throw validationError('body', [
    { field, rule: 'password_required', message: 'the URL names another scheme, host, port or user than the stored one: give its password instead of ***' },
  ]);
}

// Keeps a console signed in: its access token is renewed (POST /auth/refresh) at three quarters of
// its lifetime, so an unattended screen — a school's drowning alarm, a command-centre wall — does not
// fall back to the login page after a shift and miss the next warning. The renewal ends when the
// API says the session is over (SESSION_MAX_SECONDS): then the password is asked again.

/** Renewal at this share of the time the token has left. */
export const RENEW_AT_SHARE = 0.75;
/** A failed renewal (network, server) is tried again this much later, while the token still works. */
export const RENEW_RETRY_MS = 30_000;
/** setTimeout's limit (2^31 − 1 ms, ~24.8 days): a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How long to wait before renewing a token that expires at `expiresAt`; at once when unknown. */
export function renewalDelayMs(now: number, expiresAt: number | undefined): number {
  if (expiresAt === undefined || !Number.isFinite(expiresAt)) return 0;
  return Math.min(MAX_TIMER_MS, Math.max(0, Math.floor((expiresAt - now) * RENEW_AT_SHARE)));
}

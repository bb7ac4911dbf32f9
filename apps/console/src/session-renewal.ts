// Keeps a console signed in: its access token is renewed (POST /auth/refresh) at three quarters of
// its lifetime, so an unattended screen — a school's drowning alarm, a command-centre wall — does not
// fall back to the login page after a shift and miss the next warning. The renewal ends when the
// API says the session is over (SESSION_MAX_SECONDS): then the password is asked again.
//
// The browser's clock is never compared with the server's: a school PC without NTP may be hours off.
// The lifetime comes from the token (the server's `exp` − `iat`), and it is counted from the moment
// this browser received the token, on the browser's own clock.
//
// A PC that slept through the renewal (a school screen, a command-centre PC) wakes with its token run
// out: the API renews an expired token while its session lasts, so the console renews on waking —
// the renewal found overdue on the wall clock, or a 401 of a request or the feed — and signs out only
// when the renewal itself is refused.

/** Renewal at this share of the token's lifetime. */
export const RENEW_AT_SHARE = 0.75;
/** A failed renewal (network, server) is tried again this much later, while the token still works. */
export const RENEW_RETRY_MS = 30_000;
/** The soonest a renewal is scheduled: a token past its time, or of unknown lifetime, is renewed this late, never in a loop. */
export const RENEW_FLOOR_MS = 30_000;
/**
 * How often the renewal checks the wall clock for being overdue. A sleeping PC's timers may not count
 * the sleep (the renewal timer would fire as late again), so this finds the renewal due soon after
 * waking, before the screen's polls and the feed, refused with the expired token, sign it out.
 */
export const WAKE_CHECK_MS = 5_000;
/** setTimeout's limit (2^31 − 1 ms, ~24.8 days): a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The token's lifetime as the server issued it: the JWT's `exp` − `iat`; null when its payload does not say. */
export function tokenLifetimeMs(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  let claims: { iat?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as typeof claims;
  } catch {
    return null;
  }
  const { iat, exp } = claims ?? {};
  if (typeof iat !== 'number' || typeof exp !== 'number' || !(exp > iat)) return null;
  return (exp - iat) * 1000;
}

/**
 * How long to wait before renewing a token of `lifetimeMs` that this browser received at `receivedAt`
 * (both `now` and `receivedAt` on the browser's clock): until RENEW_AT_SHARE of the lifetime has passed
 * since the receipt — never longer than that share (the clock was set back since), never shorter than
 * RENEW_FLOOR_MS.
 */
export function renewalDelayMs(now: number, receivedAt: number, lifetimeMs: number | null): number {
  if (lifetimeMs === null) return RENEW_FLOOR_MS;
  const share = Math.floor(lifetimeMs * RENEW_AT_SHARE);
  const left = Math.min(share, receivedAt + share - now);
  return Math.min(MAX_TIMER_MS, Math.max(RENEW_FLOOR_MS, left));
}

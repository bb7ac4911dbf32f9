// The renewal timer of a signed-in console (session-renewal.ts says when and why).
import { useEffect, useRef } from 'preact/hooks';
import { Api, ApiError, type Session } from './api';
import { renewalDelayMs, RENEW_FLOOR_MS, RENEW_RETRY_MS, tokenLifetimeMs, WAKE_CHECK_MS } from './session-renewal';
import { recordTokenReceipt, tokenReceivedAt } from './token-receipt';

export { TOKEN_RECEIVED_KEY } from './token-receipt';

/**
 * `session` with its user as the API has it now (Api.me with its token): an admin's change of role or
 * scope applies to a running sign-in at once, and the screen follows it — an account corrected to
 * `school` gets its warning screen. The same session when that read fails: the next renewal asks again.
 */
export async function withCurrentUser(session: Session): Promise<Session> {
  return Api.me(session.token).then(
    (user) => ({ ...session, user }),
    () => session,
  );
}

export interface SessionRenewal {
  /**
   * A request or the feed was refused (401) with this session's token — say, a PC that slept past the
   * token's end: renews at once, and `ended` only when the renewal is refused too. Give it the 401s
   * that would sign out, in place of `ended`.
   */
  unauthorized(): void;
}

/**
 * Renews `session`'s token before it runs out, and after — on waking, or on a 401 (`unauthorized`);
 * `renewed` gets the new session, `ended` when the API refuses the renewal.
 */
export function useSessionRenewal(session: Session, renewed: (next: Session) => void, ended: () => void): SessionRenewal {
  // The renewal a 401 asks for: this token's, once its effect runs. The returned object stays the same
  // across renders and renewals, so callers may keep it in their callbacks.
  const renewNow = useRef<() => void>(ended);
  const renewal = useRef<SessionRenewal>({ unauthorized: () => renewNow.current() });
  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    let timer: ReturnType<typeof setTimeout>;
    /** When the scheduled renewal is due, on the browser's wall clock (which, unlike timers, counts a sleep). */
    let due = Infinity;
    const schedule = (delay: number) => {
      clearTimeout(timer);
      due = Date.now() + delay;
      timer = setTimeout(() => void attempt(), delay);
    };
    const attempt = async () => {
      if (stopped || inFlight) return; // one renewal at a time: a burst of 401s on waking asks once
      clearTimeout(timer);
      due = Infinity;
      inFlight = true;
      try {
        const next = await Api.refresh(session.token);
        if (stopped) return;
        recordTokenReceipt(next.token, Date.now());
        const current = await withCurrentUser({ ...session, token: next.token, expiresAt: next.expiresAt });
        if (stopped) return;
        renewed(current);
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 401) {
          stopped = true;
          return ended();
        }
        schedule(RENEW_RETRY_MS);
      } finally {
        inFlight = false;
      }
    };
    // The renewal found overdue: the PC slept through it (its timer may fire as late again), or the
    // tab was frozen. Then it is renewed at once, the token expired or not.
    const wake = () => {
      if (Date.now() >= due) void attempt();
    };
    renewNow.current = () => void attempt();
    // A token this tab never recorded (a session kept from before receipts were): its age is
    // unknown — it may be hours old, with minutes left — so it is renewed soon.
    const received = tokenReceivedAt(session.token);
    schedule(received === null ? RENEW_FLOOR_MS : renewalDelayMs(Date.now(), received, tokenLifetimeMs(session.token)));
    const watch = setInterval(wake, WAKE_CHECK_MS);
    const target = typeof window !== 'undefined' && typeof window.addEventListener === 'function' ? window : null;
    const page = typeof document !== 'undefined' && typeof document.addEventListener === 'function' ? document : null;
    target?.addEventListener('online', wake);
    page?.addEventListener('visibilitychange', wake);
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(watch);
      target?.removeEventListener('online', wake);
      page?.removeEventListener('visibilitychange', wake);
    };
  }, [session.token]);
  return renewal.current;
}

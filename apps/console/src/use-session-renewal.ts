// The renewal timer of a signed-in console (session-renewal.ts says when and why).
import { useEffect } from 'preact/hooks';
import { Api, ApiError, type Session } from './api';
import { renewalDelayMs, RENEW_FLOOR_MS, RENEW_RETRY_MS, tokenLifetimeMs } from './session-renewal';
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

/** Renews `session`'s token before it runs out; `renewed` gets the new session, `ended` when the API refuses. */
export function useSessionRenewal(session: Session, renewed: (next: Session) => void, ended: () => void): void {
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const attempt = async () => {
      try {
        const next = await Api.refresh(session.token);
        if (stopped) return;
        recordTokenReceipt(next.token, Date.now());
        const current = await withCurrentUser({ ...session, token: next.token, expiresAt: next.expiresAt });
        if (stopped) return;
        renewed(current);
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 401) return ended();
        timer = setTimeout(() => void attempt(), RENEW_RETRY_MS);
      }
    };
    // A token this tab never recorded (a session kept from before receipts were): its age is
    // unknown — it may be hours old, with minutes left — so it is renewed soon.
    const received = tokenReceivedAt(session.token);
    const delay = received === null ? RENEW_FLOOR_MS : renewalDelayMs(Date.now(), received, tokenLifetimeMs(session.token));
    timer = setTimeout(() => void attempt(), delay);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session.token]);
}

// The renewal timer of a signed-in console (session-renewal.ts says when and why).
import { useEffect } from 'preact/hooks';
import { Api, ApiError, type Session } from './api';
import { renewalDelayMs, RENEW_RETRY_MS } from './session-renewal';

/** Renews `session`'s token before it runs out; `renewed` gets the new session, `ended` when the API refuses. */
export function useSessionRenewal(session: Session, renewed: (next: Session) => void, ended: () => void): void {
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const attempt = async () => {
      try {
        const next = await Api.refresh(session.token);
        if (!stopped) renewed({ ...session, token: next.token, expiresAt: next.expiresAt });
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 401) return ended();
        timer = setTimeout(() => void attempt(), RENEW_RETRY_MS);
      }
    };
    timer = setTimeout(() => void attempt(), renewalDelayMs(Date.now(), session.expiresAt));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session.token]);
}

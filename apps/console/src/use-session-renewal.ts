// The renewal timer of a signed-in console (session-renewal.ts says when and why).
import { useEffect } from 'preact/hooks';
import { Api, ApiError, type Session } from './api';
import { renewalDelayMs, RENEW_RETRY_MS, tokenLifetimeMs } from './session-renewal';

/**
 * When this tab received its current token, on the browser's clock: `{ signature, at }`, the token
 * named by its signature alone (no credential is kept). It outlives a reload, as the session does.
 */
export const TOKEN_RECEIVED_KEY = 'xl.console.tokenReceived';

function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

function recordReceipt(token: string, at: number): void {
  sessionStorage.setItem(TOKEN_RECEIVED_KEY, JSON.stringify({ signature: signatureOf(token), at }));
}

/** When `token` was received: as recorded, or now for a token not seen before (a sign-in, a password change). */
function receivedAt(token: string, now: number): number {
  try {
    const receipt = JSON.parse(sessionStorage.getItem(TOKEN_RECEIVED_KEY) ?? 'null') as { signature?: unknown; at?: unknown } | null;
    if (receipt?.signature === signatureOf(token) && typeof receipt.at === 'number') return receipt.at;
  } catch {
    // an unreadable record: the token counts as received now
  }
  recordReceipt(token, now);
  return now;
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
        recordReceipt(next.token, Date.now());
        renewed({ ...session, token: next.token, expiresAt: next.expiresAt });
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && err.status === 401) return ended();
        timer = setTimeout(() => void attempt(), RENEW_RETRY_MS);
      }
    };
    const now = Date.now();
    timer = setTimeout(() => void attempt(), renewalDelayMs(now, receivedAt(session.token, now), tokenLifetimeMs(session.token)));
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session.token]);
}

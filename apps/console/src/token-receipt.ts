// When this tab received its current token, on the browser's clock: what the renewal is timed from
// (session-renewal.ts). Recorded where a token arrives — sign-in, renewal, password change — under
// the token's signature alone (no credential is kept); it outlives a reload, as the session does.

export const TOKEN_RECEIVED_KEY = 'xl.console.tokenReceived';

function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

export function recordTokenReceipt(token: string, at: number): void {
  try {
    sessionStorage.setItem(TOKEN_RECEIVED_KEY, JSON.stringify({ signature: signatureOf(token), at }));
  } catch {
    // storage refused (private mode, quota): the renewal then comes soon, as for any unknown token
  }
}

/** When `token` was received, or null when this tab never recorded it (a session from before receipts were kept). */
export function tokenReceivedAt(token: string): number | null {
  try {
    const receipt = JSON.parse(sessionStorage.getItem(TOKEN_RECEIVED_KEY) ?? 'null') as { signature?: unknown; at?: unknown } | null;
    return receipt?.signature === signatureOf(token) && typeof receipt.at === 'number' ? receipt.at : null;
  } catch {
    return null;
  }
}

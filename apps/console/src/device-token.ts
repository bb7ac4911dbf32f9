// The device token an earlier sign-in of a user gave this browser (alerts-api, auth/device-tokens.ts):
// sent with that user's next logins, its password tries then count for this browser alone, so that
// guesses from behind the same NAT do not lock this operator out. Kept in localStorage (it must
// outlive the tab and the session), per user name; it is no credential.

const KEY_PREFIX = 'xl.console.device.';

const keyOf = (username: string) => KEY_PREFIX + username.toLowerCase();

export function deviceTokenFor(username: string): string | undefined {
  try {
    return localStorage.getItem(keyOf(username)) ?? undefined;
  } catch {
    return undefined; // storage refused (private mode): tries count per address, as for a new browser
  }
}

export function keepDeviceToken(username: string, token: unknown): void {
  if (typeof token !== 'string' || !token) return;
  try {
    localStorage.setItem(keyOf(username), token);
  } catch {
    // storage refused or full: the next login is counted per address
  }
}

// Camera URLs carry credentials (rtsp://user:pass@host/…, sometimes ?password=… in the query).
// Everything that leaves the API or reaches a log goes through redactUrl first.

export const REDACTED = '***';
const SECRET_PARAMS = /^(pass(word|wd)?|pwd|token|secret|key|auth|sig(nature)?)$/i;

/** The URL with its password (and secret-looking query parameters) replaced by ***; never throws. */
export function redactUrl(value: string): string {
  const url = parseCameraUrl(value);
  // Not parseable: hide anything between "//" and "@", which is where credentials would be.
  if (!url) return value.replace(/\/\/[^/@]*@/, `//${REDACTED}@`);
  if (url.password) url.password = REDACTED;
  for (const name of [...url.searchParams.keys()]) if (SECRET_PARAMS.test(name)) url.searchParams.set(name, REDACTED);
  return url.toString();
}

/** True when the URL carries a user name, a password or a secret query parameter. */
export function hasCredentials(value: string): boolean {
  const url = parseCameraUrl(value);
  if (!url) return /\/\/[^/@]*@/.test(value);
  return Boolean(url.username || url.password || [...url.searchParams.keys()].some((k) => SECRET_PARAMS.test(k)));
}

/**
 * The URL as a camera means it, or null. A '#' makes it ambiguous: `rtsp://admin:123#abc@host/`
 * parses as host "admin", port 123 and a fragment holding the rest of the password (new camera URLs
 * with '#' are refused; this covers any stored before that).
 */
function parseCameraUrl(value: string): URL | null {
  if (value.includes('#')) return null;
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/**
 * A client that edits a camera usually sends back the redacted URL it was given. Where the new URL
 * still says *** for the password (or a secret parameter), keep the stored secret instead of
 * storing the asterisks — but only for the same scheme, host, port and user name. A URL that
 * changes any of them gets null (the caller asks for the password again): otherwise anyone allowed
 * to edit the camera could point it at a server of their own and have the API's ffmpeg hand that
 * server the stored password.
 */
export function restoreRedacted(next: string, stored: string | undefined): string | null {
  if (!stored || !next.includes(REDACTED)) return next;
  let n: URL;
  let s: URL;
  try {
    n = new URL(next);
    s = new URL(stored);
  } catch {
    return next;
  }
  const sameEndpoint = n.protocol === s.protocol && n.host === s.host && n.username === s.username;
  if (decodeURIComponent(n.password) === REDACTED) {
    if (!sameEndpoint) return null;
    n.password = s.password;
  }
  for (const [name, value] of [...n.searchParams.entries()]) {
    if (value !== REDACTED || !s.searchParams.has(name)) continue;
    if (!sameEndpoint) return null;
    n.searchParams.set(name, s.searchParams.get(name) ?? '');
  }
  return n.toString();
}

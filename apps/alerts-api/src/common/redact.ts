// Camera URLs carry credentials: rtsp://user:pass@host/…, ?password=… in the query, or in the path
// on Xiongmai/XMEye cameras (/user=admin&password=…&channel=1, /user=admin_password=…_channel=1).
// Everything that leaves the API or reaches a log goes through redactUrl first. The name=value pairs
// are found by @xl/media's secretParams, the same as ingest's and the live view's redactText use.
import { redactSecretParams, secretParams } from '@xl/media';

export const REDACTED = '***';

/**
 * The URL with its password and the values of its secret name=value pairs (user, password, pwd,
 * token, key, … in the path or the query) replaced by ***; the user name stays. Never throws.
 */
export function redactUrl(value: string): string {
  const url = parseCameraUrl(value);
  // Not parseable: hide anything between "//" and "@", which is where credentials would be.
  if (!url) return redactSecretParams(value.replace(/\/\/[^/@]*@/, `//${REDACTED}@`));
  if (url.password) url.password = REDACTED;
  return redactSecretParams(url.toString());
}

/** True when the URL carries a user name, a password or a secret name=value pair (path or query). */
export function hasCredentials(value: string): boolean {
  const url = parseCameraUrl(value);
  if (!url) return /\/\/[^/@]*@/.test(value) || secretParams(value).length > 0;
  return Boolean(url.username || url.password || secretParams(url.toString()).length > 0);
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
 * still says *** for the password (or a secret name=value pair's value, in the path or the query),
 * keep the stored secret instead of storing the asterisks — but only for the same scheme, host, port
 * and user name. A URL that changes any of them gets null (the caller asks for the password again):
 * otherwise anyone allowed to edit the camera could point it at a server of their own and have the
 * API's ffmpeg hand that server the stored password. A pair is matched by its name and its place
 * among the pairs of that name; a *** whose pair the stored URL lacks stays as it is.
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
  const restored = n.toString();
  const storedText = s.toString();
  const storedValues = new Map<string, string[]>();
  for (const p of secretParams(storedText)) {
    const name = p.name.toLowerCase();
    storedValues.set(name, [...(storedValues.get(name) ?? []), storedText.slice(p.start, p.end)]);
  }
  const seen = new Map<string, number>();
  let out = '';
  let from = 0;
  for (const p of secretParams(restored)) {
    const name = p.name.toLowerCase();
    const index = seen.get(name) ?? 0;
    seen.set(name, index + 1);
    const storedValue = storedValues.get(name)?.[index];
    if (restored.slice(p.start, p.end) !== REDACTED || storedValue === undefined) continue;
    if (!sameEndpoint) return null;
    out += restored.slice(from, p.start) + storedValue;
    from = p.end;
  }
  return out + restored.slice(from);
}

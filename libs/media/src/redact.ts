// Camera URLs carry credentials (rtsp://user:password@host/…, ?user=…&password=… on some brands, and
// in the path on Xiongmai/XMEye ones: /user=admin&password=…&channel=1 or /user=admin_password=…_channel=1).
// Everything that prints a URL — logs, status details, metrics labels, errors — goes through these
// functions first; alerts-api uses secretParams / redactSecretParams for the URLs it shows.

const HIDDEN = '***';
// usr/pwd: Foscam; loginuse/loginpas: Wansview and older Foscam.
const SECRET_PARAMS = /^(user|username|usr|loginuse|pass|password|passwd|pwd|loginpas|token|auth|key|secret|signature|sig)$/i;
// A URL runs to the next whitespace: a password may hold ' " < > (the URL schema only forbids spaces
// and control characters), and ffmpeg prints it raw, e.g. `rtsp://admin:p'ss@10.0.0.7/live: Connection refused`.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
/**
 * Where a name=value pair's value begins, wherever it stands (path or query): after `?`, `&`, `/`, `;`
 * or `_` (XMEye's `…/user=admin_password=…`). A name holds none of these, so `?access_token=` is read
 * as `token=`: more hidden, never less.
 */
const PARAM = /[?&/;_]([^&=?#/;_]*)=/g;
/** The next pair of XMEye's underscore form, which ends a value written after `/` or `_`. */
const UNDERSCORE_PAIR = /_[A-Za-z][A-Za-z0-9]*=/g;
const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)`;
/** What follows the user info: host[:port], then the end, a path, a query or the text around a URL. */
const AUTHORITY = new RegExp(String.raw`^${HOST}(?::\d*)?(?=$|[/?#'"<>),;\]])`);
/** A URL that starts with its host and goes on with a path or query: an '@' in a secret value is the value's. */
const HOST_FIRST = new RegExp(String.raw`^${HOST}(?::\d+)?[/?]`);

/**
 * The URL with user and password (and secret name=value pairs, see secretParams) replaced by `***`. Works on strings
 * that are not valid URLs too; when in doubt it hides more, never less.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return hideRanges(url, secretValues(url));
  const rest = url.slice(scheme[0].length);
  const secrets = secretValues(rest);
  const at = userInfoEnd(rest, secrets);
  if (at < 0) return cutBeforeHost(rest) ? scheme[0] + HIDDEN : scheme[0] + hideRanges(rest, secrets);
  const hidden = rest.slice(0, at).includes(':') ? `${HIDDEN}:${HIDDEN}` : HIDDEN;
  // A secret value the '@' fell in is hidden to its end, host or not.
  const after = secrets.filter(([, end]) => end > at + 1).map(([start, end]): Range => [Math.max(0, start - at - 1), end - at - 1]);
  return `${scheme[0]}${hidden}@${hideRanges(rest.slice(at + 1), after)}`;
}

/** [start, end) of text. */
type Range = [number, number];

/** A secret name=value pair of a URL: its name as written (decoded) and where its value is, [start, end). */
export interface SecretParam {
  name: string;
  start: number;
  end: number;
}

/**
 * The secret name=value pairs of a URL or text (`user`, `password`, `pwd`, `token`, `key`, … in the
 * path or the query), by position; a pair inside another's value is left out (that value hides it).
 * A value runs to the next `&` (a password may hold `?`, `@`, `/`, `#`); after `/` or `_` also to
 * the next `_name=` (XMEye's `/user=admin_password=…_channel=1`, where the password is a hash).
 */
export function secretParams(url: string): SecretParam[] {
  const params: SecretParam[] = [];
  for (const m of url.matchAll(PARAM)) {
    const name = decodeSafe(m[1]);
    if (!SECRET_PARAMS.test(name)) continue;
    const start = m.index + m[0].length;
    if (params.some((p) => start > p.start && start < p.end)) continue;
    const amp = url.indexOf('&', start);
    let end = amp < 0 ? url.length : amp;
    if (m[0][0] === '/' || m[0][0] === '_') {
      UNDERSCORE_PAIR.lastIndex = start;
      const next = UNDERSCORE_PAIR.exec(url);
      if (next && next.index < end) end = next.index;
    }
    params.push({ name, start, end });
  }
  return params;
}

/** The URL with the values of its secret name=value pairs (see secretParams) replaced by `***`; the user info is left as it is. */
export function redactSecretParams(url: string): string {
  return hideRanges(url, secretValues(url));
}

function secretValues(text: string): Range[] {
  return secretParams(text).map(({ start, end }): Range => [start, end]);
}

/**
 * The '@' that ends the user info, or -1. A password may hold '@', '/', '?', '#' and quotes, so it is
 * the last '@' followed by a host; an '@' in a secret query value (`?user=ops@plant`) belongs to that
 * value, unless the URL does not begin with a host (then it may be a password's, and is taken: more
 * hidden, never less). With no host to be seen after any '@', the last '@' outside secret values.
 */
function userInfoEnd(rest: string, secrets: Range[]): number {
  const ats = [...rest.matchAll(/@/g)].map((m) => m.index).reverse();
  const inSecret = (i: number) => secrets.some(([start, end]) => i >= start && i < end);
  const beforeHost = (i: number) => AUTHORITY.test(rest.slice(i + 1));
  return (
    ats.find((i) => !inSecret(i) && beforeHost(i)) ??
    (HOST_FIRST.test(rest) ? undefined : ats.find((i) => beforeHost(i))) ??
    ats.find((i) => !inSecret(i)) ??
    -1
  );
}

/**
 * A URL with no '@' whose authority reads `name:not-a-port` (`rtsp://admin:Pond` …): the text was cut
 * inside its user info (a line truncated, ffmpeg killed between two writes), and what stands where a
 * host would is a user and the start of a password. A host's ':' is followed by its port, digits only.
 */
function cutBeforeHost(rest: string): boolean {
  const authority = /^[^/?#]*/.exec(rest)![0];
  const colon = authority.indexOf(':');
  return !authority.startsWith('[') && colon >= 0 && !/^\d*$/.test(authority.slice(colon + 1));
}

/** Replaces each range (overlaps merged) by `***`. */
function hideRanges(text: string, ranges: Range[]): string {
  let out = '';
  let from = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (end <= from) continue;
    if (start >= from) out += text.slice(from, start) + HIDDEN;
    from = end;
  }
  return out + text.slice(from);
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Redacts every URL found in free text, e.g. an ffmpeg stderr line "Input #0, rtsp, from 'rtsp://u:p@h/x':". */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}

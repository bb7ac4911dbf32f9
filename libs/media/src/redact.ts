// Camera URLs carry credentials (rtsp://user:password@host/…, or ?user=…&password=… on some
// brands). Everything that prints a URL — logs, status details, metrics labels, errors — goes through
// these functions first.

const HIDDEN = '***';
const SECRET_PARAMS = /^(user|username|pass|password|passwd|pwd|token|auth|key|secret|signature|sig)$/i;
// A URL runs to the next whitespace: a password may hold ' " < > (the URL schema only forbids spaces
// and control characters), and ffmpeg prints it raw, e.g. `rtsp://admin:p'ss@10.0.0.7/live: Connection refused`.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;

/**
 * The URL with user and password (and secret query parameters) replaced by `***`. Works on strings
 * that are not valid URLs too; when in doubt it hides more, never less.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return redactQuery(url);
  const rest = url.slice(scheme[0].length);
  // The user info ends at the last '@' of the URL: an unescaped '@', '/', '?' or '#' in a password
  // must not leave the tail of the password in the output (a camera URL has no fragment). An '@'
  // further on (in a path or query) hides the host too: more, never less.
  const at = rest.lastIndexOf('@');
  let authorityAndPath = rest;
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const hidden = userInfo.includes(':') ? `${HIDDEN}:${HIDDEN}` : HIDDEN;
    authorityAndPath = `${hidden}@${rest.slice(at + 1)}`;
  }
  return scheme[0] + redactQuery(authorityAndPath);
}

function redactQuery(text: string): string {
  const q = text.indexOf('?');
  if (q < 0) return text;
  const hash = text.indexOf('#', q);
  const query = text.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAMS.test(decodeSafe(name)) ? `${name}=${HIDDEN}` : pair;
    })
    .join('&');
  return `${text.slice(0, q + 1)}${redacted}${hash < 0 ? '' : text.slice(hash)}`;
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

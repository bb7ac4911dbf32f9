/**
 * What the browser may do with the console's pages (docs/security.md). The bearer token lives in the
 * tab's sessionStorage, so an injected script would be a takeover: only the console's own files run.
 * - script-src 'wasm-unsafe-eval': JSMpeg (live view) compiles its WebAssembly decoder; no eval, no inline script
 *   (vite's index.html has none).
 * - style-src 'self': the stylesheet; style properties set from script (CSSOM) are not affected. JSMpeg's own
 *   injected <style> (for its VideoElement wrapper, which the console does not use) is refused, harmlessly.
 * - img-src/media-src blob:: pictures, clips and full-size snapshots are fetched with the token and shown as
 *   object URLs; data: is the inline favicon.
 * - connect-src 'self': REST, /ws and /live/* on this origin (ws: of the same host counts as 'self').
 * - frame-ancestors 'none' / X-Frame-Options: no framing (clickjacking of the alarm buttons).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
};

// Deterministic alert ids: the same (camera, rule, subject, start) always gives the same id, on any
// worker, so that alerts-api can consume events idempotently. FNV-1a 64-bit over the UTF-8 bytes —
// not cryptographic (ids are not secrets), and node:crypto is off limits in a pure lib.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

/** FNV-1a 64-bit hash of a string's UTF-8 bytes, as 16 lower-case hex digits. */
export function fnv1a64(text: string): string {
  let h = FNV_OFFSET;
  for (const byte of encoder.encode(text)) h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK;
  return h.toString(16).padStart(16, '0');
}

/**
 * Id of an alert. `subject` names what the alert is about: `track:<id>`, `zone:<id>` or `camera`.
 * Fields are joined with NUL, which no id can contain, so that ("a", "b:c") ≠ ("a:b", "c").
 */
export function alertIdOf(cameraId: string, ruleId: string, subject: string, startedAt: number): string {
  return fnv1a64([cameraId, ruleId, subject, String(startedAt)].join('\u0000'));
}

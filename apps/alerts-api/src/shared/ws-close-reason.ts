/** A WebSocket close frame's reason holds at most 123 bytes of UTF-8 (RFC 6455 §5.5: 125 less the code). */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `reason` cut to what a close frame holds, at a character boundary. `ws` throws a RangeError for a
 * longer one; thrown in an ffmpeg 'close' listener (an error line quoting a camera URL in Chinese,
 * 3 bytes a character), it ended the whole API process.
 */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let cut = '';
  let bytes = 0;
  for (const char of reason) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_CLOSE_REASON_BYTES - 3) break;
    cut += char;
    bytes += size;
  }
  return `${cut}…`;
}

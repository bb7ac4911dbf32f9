/** A byte range of a file, both ends inclusive (as in Content-Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The range a `Range` header asks of a file of `size` bytes (RFC 9110 §14.1.2, §14.2): 'all', a range,
 * or 'unsatisfiable' (416). Forms: `bytes=100-199`, `bytes=100-` (to the end), `bytes=-500` (the last
 * 500 bytes). 'all' for what a server ignores: no header, another unit, several ranges (the whole file
 * answers those too), and an invalid range such as `bytes=500-400` or `bytes=-`. Unsatisfiable: a
 * valid range that starts at or past the end, or `bytes=-0`.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'all' | 'unsatisfiable' {
  if (!header) return 'all';
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!m) return 'all';
  const [, first, last] = m;
  if (first === '' && last === '') return 'all';
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    // Satisfiable but empty: no Content-Range can say "no bytes", the whole (empty) file can.
    if (size === 0) return 'all';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return 'all';
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

import { parseByteRange } from './byte-range';

describe('parseByteRange (RFC 9110 §14)', () => {
  it('reads the three forms, clamped to the file', () => {
    expect(parseByteRange('bytes=100-199', 1000)).toEqual({ start: 100, end: 199 });
    expect(parseByteRange('bytes=100-', 1000)).toEqual({ start: 100, end: 999 });
    expect(parseByteRange('bytes=-300', 1000)).toEqual({ start: 700, end: 999 });
    expect(parseByteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 }); // longer than the file: all of it
    expect(parseByteRange('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange('bytes=7-7', 1000)).toEqual({ start: 7, end: 7 });
    expect(parseByteRange('BYTES = 1 - 2', 1000)).toEqual({ start: 1, end: 2 });
  });

  it('ignores what it may ignore: no header, another unit, several ranges, invalid syntax (200, the whole file)', () => {
    expect(parseByteRange(undefined, 1000)).toBe('all');
    expect(parseByteRange('', 1000)).toBe('all');
    expect(parseByteRange('items=0-1', 1000)).toBe('all');
    expect(parseByteRange('bytes=0-1,5-9', 1000)).toBe('all');
    expect(parseByteRange('bytes=abc', 1000)).toBe('all');
    expect(parseByteRange('bytes=500-400', 1000)).toBe('all'); // last before first: not a range at all
    expect(parseByteRange('bytes=1500-1400', 1000)).toBe('all'); // invalid wins over beyond the end
    expect(parseByteRange('bytes=-', 1000)).toBe('all');
  });

  it('answers 416 to a valid range the file cannot satisfy', () => {
    expect(parseByteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=1000-1999', 1000)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('sends an empty file whole for a suffix range (no Content-Range can describe zero bytes)', () => {
    expect(parseByteRange('bytes=-10', 0)).toBe('all');
  });
});

import { closeReason, MAX_CLOSE_REASON_BYTES } from './ws-close-reason';

describe('closeReason', () => {
  it('keeps a reason that fits and cuts a longer one at a character boundary, within 123 bytes', () => {
    expect(closeReason('slow consumer')).toBe('slow consumer');
    const exact = 'x'.repeat(MAX_CLOSE_REASON_BYTES);
    expect(closeReason(exact)).toBe(exact);
    const chinese = `camera 'cam' stream ended: ${'鱼塘'.repeat(40)}`;
    const cut = closeReason(chinese);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(cut.endsWith('…')).toBe(true);
    expect(chinese.startsWith(cut.slice(0, -1))).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    // Astral characters (2 UTF-16 units, 4 bytes) are not split either.
    const astral = closeReason('🐟'.repeat(60));
    expect(Buffer.byteLength(astral)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect([...astral.slice(0, -1)].every((ch) => ch === '🐟')).toBe(true);
  });
});

import { type Drop, darkShare, isUnstable, MAX_RECENT_DROPS, withDrop } from './unstable-link';

const WINDOW = 600_000;
const BOUND = { windowMs: WINDOW, percent: 30 };

/** A link dark `darkMs` and up `upMs`, `n` times from `t0`: its drops. */
function flapping(t0: number, darkMs: number, upMs: number, n: number): Drop[] {
  return Array.from({ length: n }, (_, i) => [t0 + i * (darkMs + upMs), t0 + i * (darkMs + upMs) + darkMs] as const);
}

describe('unstable links', () => {
  it('finds a link dark 40 s and up 45 s unstable once its dark share of 10 minutes reaches 30 %', () => {
    let drops: Drop[] = [];
    const verdicts: boolean[] = [];
    for (const drop of flapping(0, 40_000, 45_000, 9)) {
      drops = withDrop(drops, drop, WINDOW);
      verdicts.push(isUnstable(darkShare(drops, drop[1], WINDOW), BOUND));
    }
    // 4 drops: 160 s dark (27 %); the fifth makes 200 s (33 %).
    expect(verdicts).toEqual([false, false, false, false, true, true, true, true, true]);
    // The ninth drop ends at 720 s: the first ended at 40 s, a window before, and is gone; the second
    // (85–125 s) counts with its last 5 s.
    expect(drops).toHaveLength(8);
    expect(darkShare(drops, 720_000, WINDOW)).toEqual({ darkMs: 5_000 + 7 * 40_000, drops: 8, windowMs: WINDOW });
  });

  it('counts only the part of a drop inside the window, and a drop still going up to now', () => {
    const drops: Drop[] = [
      [0, 100_000],
      [200_000, 260_000],
    ];
    expect(darkShare(drops, 650_000, WINDOW)).toEqual({ darkMs: 50_000 + 60_000, drops: 2, windowMs: WINDOW });
    expect(darkShare(drops, 650_000, WINDOW, 640_000)).toEqual({ darkMs: 50_000 + 60_000 + 10_000, drops: 3, windowMs: WINDOW });
  });

  it('leaves a link dark a fifth of the time, one long drop, and a window of 0 alone', () => {
    const fifth = flapping(0, 20_000, 80_000, 6);
    expect(isUnstable(darkShare(fifth, fifth[5][1], WINDOW), BOUND)).toBe(false);
    // One drop of 59 s in a window of 120 s is dark half of it, but it is one drop: the offline
    // threshold's to judge.
    expect(isUnstable(darkShare([[0, 59_000]], 120_000, 120_000), { windowMs: 120_000, percent: 30 })).toBe(false);
    expect(isUnstable({ darkMs: 300_000, drops: 5, windowMs: 0 }, { windowMs: 0, percent: 30 })).toBe(false);
    expect(withDrop([[0, 1000]], [5000, 6000], 0)).toEqual([]);
  });

  it('keeps the newest drops only, however many came in the window', () => {
    let drops: Drop[] = [];
    for (const drop of flapping(0, 1000, 1000, MAX_RECENT_DROPS + 10)) drops = withDrop(drops, drop, WINDOW);
    expect(drops).toHaveLength(MAX_RECENT_DROPS);
    expect(drops[0]).toEqual([10 * 2000, 10 * 2000 + 1000]);
  });
});

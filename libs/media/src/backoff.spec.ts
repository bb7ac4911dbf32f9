import { backoffDelay, stableRunMs } from './backoff';

const policy = { initialMs: 1000, maxMs: 30000 };

describe('backoffDelay', () => {
  it('doubles from the initial delay and stops at the cap (no jitter at random = 0.5)', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((a) => backoffDelay(a, policy, mid))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('jitters within ±20 % and never exceeds the cap', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(800);
    expect(backoffDelay(1, policy, () => 0.999999)).toBe(1200);
    expect(backoffDelay(20, policy, () => 0)).toBe(24000);
    expect(backoffDelay(20, policy, () => 0.999999)).toBe(30000);
  });

  it('spreads cameras that fail together', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, policy, random)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(3200);
      expect(d).toBeLessThanOrEqual(4800);
    }
  });

  it('honours factor and jitter options, survives huge attempt numbers and rejects bad policies', () => {
    expect(backoffDelay(3, { initialMs: 100, maxMs: 10000, factor: 3, jitter: 0 })).toBe(900);
    expect(backoffDelay(1e9, policy, () => 0.5)).toBe(30000);
    expect(backoffDelay(0, policy, () => 0.5)).toBe(1000);
    expect(() => backoffDelay(1, { initialMs: 0, maxMs: 1 })).toThrow(/initialMs/);
    expect(() => backoffDelay(1, { initialMs: 10, maxMs: 5 })).toThrow(/maxMs/);
    expect(() => backoffDelay(1, { ...policy, jitter: 1 })).toThrow(/jitter/);
  });
});

describe('stableRunMs', () => {
  it('is the cap, at most 10 s: a camera that recovered and dropped once 20 s later retries soon, whatever the cap', () => {
    expect(stableRunMs(4_000)).toBe(4_000);
    expect(stableRunMs(30_000)).toBe(10_000);
    expect(stableRunMs(600_000)).toBe(10_000);
  });
});

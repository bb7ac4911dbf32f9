import type { RedisClient } from './redis-client';
import { RedisClock, startRedisClock } from './redis-clock';

/** A Redis whose TIME answers `skewMs` ahead of this host after `delayMs`, or fails when `fail` is set. */
function fakeRedis(state: { skewMs: number; delayMs?: number; fail?: boolean }): RedisClient {
  return {
    time: async () => {
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.fail) throw new Error('Connection is closed.');
      const t = Date.now() + state.skewMs;
      return [String(Math.floor(t / 1000)), String((t % 1000) * 1000)];
    },
  } as unknown as RedisClient;
}

describe('RedisClock', () => {
  it("follows the Redis server's clock: Date.now() plus the measured offset, half the round trip allowed for", async () => {
    const state = { skewMs: -300_000, delayMs: 20 };
    const measured: Array<[number, number]> = [];
    const clock = new RedisClock(fakeRedis(state), { onMeasured: (o, rtt) => measured.push([o, rtt]) });
    expect(clock.now() - Date.now()).toBeLessThanOrEqual(1); // before measuring: this host's time
    await clock.measure();
    expect(measured).toHaveLength(1);
    const [offset, roundTrip] = measured[0];
    expect(roundTrip).toBeGreaterThanOrEqual(19);
    // This fake reads its time at the end of the round trip; the clock takes it for the middle.
    expect(Math.abs(offset - (-300_000 + roundTrip / 2))).toBeLessThanOrEqual(3);
    expect(Math.abs(clock.now() - (Date.now() + offset))).toBeLessThanOrEqual(2);
  });

  it('keeps the last offset when a measurement fails, and refuses to start without one', async () => {
    const state = { skewMs: 60_000, fail: false };
    const clock = new RedisClock(fakeRedis(state));
    await clock.measure();
    state.fail = true;
    await expect(clock.measure()).rejects.toThrow('Connection is closed.');
    expect(Math.abs(clock.offset - 60_000)).toBeLessThanOrEqual(5);
    await expect(new RedisClock(fakeRedis({ skewMs: 0, fail: true })).start()).rejects.toThrow();
    expect(() => new RedisClock(fakeRedis(state), { intervalMs: 10 })).toThrow('RedisClock: intervalMs 10 must be in 1000..3600000');
  });

  it('reports the offset in seconds and warns in the log when it is over 2 s', async () => {
    const gauge = { set: jest.fn() };
    const log = { warn: jest.fn() };
    const clock = await startRedisClock(fakeRedis({ skewMs: 5000 }), { gauge, log });
    clock.stop();
    expect(gauge.set.mock.calls[0][0]).toBeCloseTo(5, 1);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ offsetMs: expect.any(Number) }), expect.stringContaining('set up NTP here'));
    const quiet = { set: jest.fn() };
    const calm = { warn: jest.fn() };
    (await startRedisClock(fakeRedis({ skewMs: 300 }), { gauge: quiet, log: calm })).stop();
    expect(calm.warn).not.toHaveBeenCalled();
  });
});

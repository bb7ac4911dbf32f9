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
  // Timed by jest's clock throughout: under CI load a real 20 ms timer fired late and the await after
  // it ran later still, so the round trip the clock saw was not the one the fake answered in.
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it("follows the Redis server's clock: Date.now() plus the measured offset, half the round trip allowed for", async () => {
    const state = { skewMs: -300_000, delayMs: 20 };
    const measured: Array<[number, number]> = [];
    const clock = new RedisClock(fakeRedis(state), { onMeasured: (o, rtt) => measured.push([o, rtt]) });
    expect(clock.now()).toBe(Date.now()); // before measuring: this host's time
    const offset = clock.measure();
    await jest.advanceTimersByTimeAsync(20);
    // This fake reads its time at the end of the round trip; the clock takes it for the middle.
    expect(await offset).toBe(-300_000 + 10);
    expect(measured).toEqual([[-300_000 + 10, 20]]);
    expect(clock.now()).toBe(Date.now() - 300_000 + 10);
  });

  it('keeps the last offset when a measurement fails, and refuses to start without one', async () => {
    const state = { skewMs: 60_000, fail: false };
    const clock = new RedisClock(fakeRedis(state));
    await clock.measure();
    state.fail = true;
    await expect(clock.measure()).rejects.toThrow('Connection is closed.');
    expect(clock.offset).toBe(60_000);
    await expect(new RedisClock(fakeRedis({ skewMs: 0, fail: true })).start()).rejects.toThrow();
    expect(() => new RedisClock(fakeRedis(state), { intervalMs: 10 })).toThrow('RedisClock: intervalMs 10 must be in 1000..3600000');
  });

  describe('a TIME answered late', () => {
    /** Measures while the fake Redis holds its answer `delayMs`; resolves with the offset measure() returned. */
    async function measureHeld(clock: RedisClock, state: { delayMs?: number }, delayMs: number): Promise<number> {
      state.delayMs = delayMs;
      const measured = clock.measure();
      await jest.advanceTimersByTimeAsync(delayMs);
      return measured;
    }

    it('does not move the offset: one queued through a Redis outage and answered at the reconnect, 20 s on, with the clocks in step', async () => {
      const state = { skewMs: 0, delayMs: 0 };
      const rejected: Array<[number, number]> = [];
      const clock = new RedisClock(fakeRedis(state), { onRejected: (rtt, offset) => rejected.push([rtt, offset]) });
      expect(await measureHeld(clock, state, 0)).toBe(0);
      // Taken for the middle of the round trip, the server's time read at its end made the offset +10 s.
      expect(await measureHeld(clock, state, 20_000)).toBe(0);
      expect(clock.offset).toBe(0);
      expect(clock.now()).toBe(Date.now());
      expect(rejected).toEqual([[20_000, 0]]);
      // A quick one is taken again, and follows the server: here a step of 4 s on the Redis host.
      state.skewMs = 4000;
      expect(await measureHeld(clock, state, 100)).toBe(4000 + 50);
    });

    it("takes a slow first measurement (nearer than this host's clock), then a quicker one over it", async () => {
      const state = { skewMs: 60_000, delayMs: 0 };
      const measured: number[] = [];
      const clock = new RedisClock(fakeRedis(state), { maxRoundTripMs: 500, onMeasured: (_, rtt) => measured.push(rtt) });
      expect(await measureHeld(clock, state, 2000)).toBe(60_000 + 1000);
      expect(await measureHeld(clock, state, 3000)).toBe(60_000 + 1000); // slower than the one in use: not taken
      expect(await measureHeld(clock, state, 800)).toBe(60_000 + 400);
      expect(await measureHeld(clock, state, 400)).toBe(60_000 + 200);
      expect(await measureHeld(clock, state, 800)).toBe(60_000 + 200); // over the bound once a quick one was had
      expect(measured).toEqual([2000, 800, 400]);
      expect(() => new RedisClock(fakeRedis(state), { maxRoundTripMs: 0 })).toThrow('RedisClock: maxRoundTripMs 0 must be in 1..60000');
    });

    it('follows the server on a link where every TIME is slow, once the quick offset in use is old enough', async () => {
      const state = { skewMs: 0, delayMs: 0 };
      const clock = new RedisClock(fakeRedis(state));
      expect(await measureHeld(clock, state, 0)).toBe(0);
      // The Redis host's clock moved 4 s on (drift of an edge box without NTP, here at once); every
      // TIME from now on takes 800 ms on the congested link, one every 30 s for 10 minutes.
      state.skewMs = 4000;
      const offsets: number[] = [];
      for (let n = 1; n <= 20; n++) {
        await jest.advanceTimersByTimeAsync(30_000 - 800);
        offsets.push(await measureHeld(clock, state, 800));
      }
      // Kept while the quick offset is younger than 400 s (its 0 ms round trip + 2 × 1 ms/s of age < 800 ms);
      // the quick one was kept for good before.
      expect(offsets.slice(0, 13)).toEqual(Array(13).fill(0));
      expect(offsets.slice(13)).toEqual(Array(7).fill(4000 + 400));
      // A TIME held up by an outage still does not move it.
      expect(await measureHeld(clock, state, 20_000)).toBe(4000 + 400);
    });

    it('remembers the offset before a step for the measuring interval and a margin: the clock other processes may still stamp by', async () => {
      const state = { skewMs: 300_000, delayMs: 0 };
      const clock = new RedisClock(fakeRedis(state));
      await measureHeld(clock, state, 0);
      expect(clock.previousNow()).toBeUndefined(); // the first measurement is no step: nothing is stamped by this host's own clock
      state.skewMs = 300_400; // measurement noise, not a step
      await measureHeld(clock, state, 0);
      expect(clock.previousNow()).toBeUndefined();
      state.skewMs = 360_400; // the Redis host's clock stepped 60 s forward
      await measureHeld(clock, state, 0);
      expect(clock.now()).toBe(Date.now() + 360_400);
      expect(clock.previousNow()).toBe(Date.now() + 300_400);
      await jest.advanceTimersByTimeAsync(30_000 + 4999);
      expect(clock.previousNow()).toBe(Date.now() + 300_400);
      await jest.advanceTimersByTimeAsync(1);
      expect(clock.previousNow()).toBeUndefined();
    });

    it('logs a measurement it did not take', async () => {
      const state = { skewMs: 0, delayMs: 0 };
      const log = { warn: jest.fn() };
      const clock = await startRedisClock(fakeRedis(state), { gauge: { set: jest.fn() }, log });
      clock.stop();
      await measureHeld(clock, state, 3000);
      expect(log.warn).toHaveBeenCalledWith({ roundTripMs: 3000, maxRoundTripMs: 500, offsetMs: 0 }, expect.stringContaining('keeping the last offset'));
    });
  });

  it('reports the offset in seconds and warns in the log when it is over 2 s', async () => {
    const gauge = { set: jest.fn() };
    const log = { warn: jest.fn() };
    const clock = await startRedisClock(fakeRedis({ skewMs: 5000 }), { gauge, log });
    clock.stop();
    expect(gauge.set.mock.calls[0][0]).toBe(5);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ offsetMs: expect.any(Number) }), expect.stringContaining('set up NTP here'));
    const quiet = { set: jest.fn() };
    const calm = { warn: jest.fn() };
    (await startRedisClock(fakeRedis({ skewMs: 300 }), { gauge: quiet, log: calm })).stop();
    expect(calm.warn).not.toHaveBeenCalled();
  });
});

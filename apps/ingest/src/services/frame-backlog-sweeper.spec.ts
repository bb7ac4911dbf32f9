import { createLogger } from '@xl/observability';
import { FrameBacklogSweeper } from './frame-backlog-sweeper';

function setup(answers: Array<number | Error>) {
  const calls: number[] = [];
  const backlog = {
    removeWaitingOlderThan: jest.fn(async (maxAgeMs: number) => {
      calls.push(maxAgeMs);
      const next = answers.shift() ?? 0;
      if (next instanceof Error) throw next;
      return next;
    }),
  };
  let expired = 0;
  const log = createLogger('test', 'silent');
  const warn = jest.spyOn(log, 'warn');
  const sweeper = new FrameBacklogSweeper({ backlog, expired: { inc: (n) => void (expired += n) }, log }, { maxAgeMs: 5000, intervalMs: 5000 });
  return { sweeper, calls, warn, expired: () => expired };
}

describe('FrameBacklogSweeper', () => {
  afterEach(() => jest.useRealTimers());

  it('sweeps jobs older than the frame TTL every interval and counts what it removed', async () => {
    jest.useFakeTimers();
    const { sweeper, calls, warn, expired } = setup([0, 12, 3]);
    sweeper.start();
    await jest.advanceTimersByTimeAsync(4999);
    expect(calls).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([5000]);
    expect(warn).not.toHaveBeenCalled(); // nothing removed: nothing to say
    await jest.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual([5000, 5000, 5000]);
    expect(expired()).toBe(15);
    await sweeper.stop();
    await jest.advanceTimersByTimeAsync(20_000);
    expect(calls).toHaveLength(3);
  });

  it('logs removals at most once a minute, summed', async () => {
    jest.useFakeTimers();
    const { sweeper, warn, expired } = setup([12, 3, 0, 4, ...Array(9).fill(1)]);
    sweeper.start();
    await jest.advanceTimersByTimeAsync(5000);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([{ removed: 12, maxAgeMs: 5000 }]);
    await jest.advanceTimersByTimeAsync(55_000); // 11 more sweeps; the last one is a minute after the first log
    expect(expired()).toBe(12 + 3 + 4 + 8);
    await jest.advanceTimersByTimeAsync(5000);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      { removed: 12, maxAgeMs: 5000 },
      { removed: 3 + 4 + 9, maxAgeMs: 5000 },
    ]);
    await sweeper.stop();
  });

  it('logs a failing sweep once per outage and carries on', async () => {
    jest.useFakeTimers();
    const { sweeper, calls, warn, expired } = setup([new Error('READONLY'), new Error('READONLY'), 2]);
    sweeper.start();
    await jest.advanceTimersByTimeAsync(15_000);
    expect(calls).toHaveLength(3);
    expect(warn.mock.calls.map((c) => c[1])).toEqual(['frames queue sweep failed', expect.stringContaining('is any analyzer running')]);
    expect(expired()).toBe(2);
    await sweeper.stop();
  });

  it('never runs two sweeps at once', async () => {
    let release!: (n: number) => void;
    const slow = { removeWaitingOlderThan: jest.fn(() => new Promise<number>((r) => (release = r))) };
    const s = new FrameBacklogSweeper({ backlog: slow, expired: { inc: () => undefined }, log: createLogger('test', 'silent') }, { maxAgeMs: 1, intervalMs: 1 });
    const a = s.sweep();
    const b = s.sweep();
    expect(slow.removeWaitingOlderThan).toHaveBeenCalledTimes(1);
    release(0);
    await Promise.all([a, b]);
    const c = s.sweep(); // the first one is over: a new sweep starts
    expect(slow.removeWaitingOlderThan).toHaveBeenCalledTimes(2);
    release(0);
    await c;
  });
});

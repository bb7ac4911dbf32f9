import { redisRetryStrategy } from './reconnect';

describe('redisRetryStrategy', () => {
  it('doubles from 50 ms and never waits more than 1.1 s, however long Redis has been away', () => {
    const delays = Array.from({ length: 40 }, (_, i) => redisRetryStrategy(i + 1));
    expect(delays[0]).toBeGreaterThanOrEqual(50);
    expect(delays[0]).toBeLessThan(150);
    expect(delays[3]).toBeGreaterThanOrEqual(400);
    for (const d of delays) expect(d).toBeLessThan(1100);
    expect(Math.min(...delays.slice(10))).toBeGreaterThanOrEqual(1000);
  });
});

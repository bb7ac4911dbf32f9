import '../testing/nest-esm';
import { Registry } from 'prom-client';
import type { CamerasService } from './cameras.service';
import { UNANALYSED_COUNT_TIMEOUT_MS, UnanalysedCamerasMetric } from './unanalysed-metric';

describe('xl_cameras_unanalysed', () => {
  afterEach(() => jest.useRealTimers());

  it('reads NaN when the count does not answer in time, instead of holding the scrape', async () => {
    jest.useFakeTimers();
    const registry = new Registry();
    new UnanalysedCamerasMetric(registry, { unanalysedCount: () => new Promise<number>(() => undefined) } as unknown as CamerasService);
    const scrape = registry.metrics();
    await jest.advanceTimersByTimeAsync(UNANALYSED_COUNT_TIMEOUT_MS);
    expect(await scrape).toContain('xl_cameras_unanalysed Nan'); // prom-client's spelling
  });

  it('runs one count at a time: scrapes of a slow database do not take more of its connections', async () => {
    jest.useFakeTimers();
    const registry = new Registry();
    const count = jest.fn(() => new Promise<number>(() => undefined));
    new UnanalysedCamerasMetric(registry, { unanalysedCount: count } as unknown as CamerasService);
    const scrapes = [registry.metrics(), registry.metrics()];
    await jest.advanceTimersByTimeAsync(UNANALYSED_COUNT_TIMEOUT_MS);
    await Promise.all(scrapes);
    const third = registry.metrics();
    await jest.advanceTimersByTimeAsync(UNANALYSED_COUNT_TIMEOUT_MS);
    await third;
    expect(count).toHaveBeenCalledTimes(1);
  });

  it('reads the count when it answers', async () => {
    const registry = new Registry();
    new UnanalysedCamerasMetric(registry, { unanalysedCount: async () => 3 } as unknown as CamerasService);
    expect(await registry.metrics()).toContain('xl_cameras_unanalysed 3');
  });
});

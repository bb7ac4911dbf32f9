// Real Redis: the state save's compare-and-set, also after the clock went back.
import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import type { AnalysisState } from '../pipeline/frame-analyzer';
import { CameraStateRepository } from './camera-state.repository';

const state = (capturedAt: number) => ({ capturedAt, tracker: {}, rules: {} }) as unknown as AnalysisState;

describe('CameraStateRepository (real Redis)', () => {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const prefix = `${uniquePrefix('state')}:`;
  const repo = new CameraStateRepository(redis, prefix);
  afterAll(async () => {
    await repo.clear('pond');
    redis.disconnect();
  });

  it('saves only a newer state, unless the stored one is the state a clock jump replaces', async () => {
    expect(await repo.save('pond', state(10_000))).toBe(true);
    expect(await repo.save('pond', state(10_000))).toBe(false); // not newer
    expect(await repo.save('pond', state(9000))).toBe(false); // a slow worker's older frame
    expect((await repo.load('pond'))?.capturedAt).toBe(10_000);
    // The clock went back 60 s: the frame's fresh state replaces the stored one it was told about…
    expect(await repo.save('pond', state(-50_000), 9999)).toBe(false); // …and no other
    expect(await repo.save('pond', state(-50_000), 10_000)).toBe(true);
    expect((await repo.load('pond'))?.capturedAt).toBe(-50_000);
    expect(await repo.save('pond', state(-49_500))).toBe(true);
    // Kept long enough for the learned view to outlive an outage.
    expect(await redis.pttl(`${prefix}xl:state:{pond}`)).toBeGreaterThan(24 * 3600_000);
  });

  it('takes a state without a capture time for none (every frame would be dropped as older), and saves over it', async () => {
    await redis.set(`${prefix}xl:state:{pond}`, JSON.stringify({ tracker: {}, rules: {} }));
    expect(await repo.load('pond')).toBeNull();
    expect(await repo.save('pond', state(5000))).toBe(true);
    expect((await repo.load('pond'))?.capturedAt).toBe(5000);
  });
});

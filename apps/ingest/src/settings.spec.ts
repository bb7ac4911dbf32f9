import { loadIngestSettings } from './settings';

describe('ingest settings', () => {
  it('has working defaults', () => {
    const s = loadIngestSettings({});
    expect(s).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      INGEST_CAPACITY: 32,
      LEASE_TTL_MS: 10_000,
      CLAIM_INTERVAL_MS: 2_000,
      FRAME_TTL_MS: 5_000,
      INFLIGHT_TTL_MS: 5_000,
      MODEL_INPUT_WIDTH: 416,
      MODEL_INPUT_HEIGHT: 416,
      QUEUE_PREFIX: 'xl',
      KEY_PREFIX: '',
      FRAME_UPLOAD: 'direct',
    });
    expect(s.INGEST_ID).toMatch(/^ingest-/);
    expect(s.tickMs).toBe(2000);
  });

  it('sweeps frame jobs once both their bytes and their gate have expired, at most once a second', () => {
    expect(loadIngestSettings({})).toMatchObject({ frameJobMaxAgeMs: 5000, sweepIntervalMs: 5000 });
    expect(loadIngestSettings({ FRAME_TTL_MS: '2000', INFLIGHT_TTL_MS: '30000' })).toMatchObject({ frameJobMaxAgeMs: 30_000, sweepIntervalMs: 2000 });
    expect(loadIngestSettings({ FRAME_TTL_MS: '300', INFLIGHT_TTL_MS: '200' })).toMatchObject({ frameJobMaxAgeMs: 300, sweepIntervalMs: 1000 });
  });

  it('renews at least three times per lease lifetime', () => {
    expect(loadIngestSettings({ LEASE_TTL_MS: '4500', CLAIM_INTERVAL_MS: '2000' }).tickMs).toBe(1500);
  });

  it('refuses a lease TTL that leaves a fenced camera less than its stop (2 × STOP_GRACE_MS) or the fence less than a lease round, naming values and bound', () => {
    // Default: fenced at 10 000 − (2 × 1000 + 250) = 7750 ms, well after a 2000 ms round.
    expect(() => loadIngestSettings({})).not.toThrow();
    expect(() => loadIngestSettings({ LEASE_TTL_MS: '3000', CLAIM_INTERVAL_MS: '500', STOP_GRACE_MS: '1000' })).not.toThrow(); // exactly the bound
    expect(() => loadIngestSettings({ STOP_GRACE_MS: '30000' })).toThrow(
      /LEASE_TTL_MS: LEASE_TTL_MS 10000 is too short for STOP_GRACE_MS 30000 and CLAIM_INTERVAL_MS 2000: .* stopped -50250 ms after its last renewal .* at least one lease round \(2000 ms\) \+ 250 ms = 2250 ms; raise LEASE_TTL_MS to at least 62500/,
    );
    expect(() => loadIngestSettings({ LEASE_TTL_MS: '62500', STOP_GRACE_MS: '30000' })).not.toThrow();
    expect(() => loadIngestSettings({ LEASE_TTL_MS: '62499', STOP_GRACE_MS: '30000' })).toThrow(/LEASE_TTL_MS 62499 is too short/);
    // A short TTL: renewal every TTL / 3.
    expect(() => loadIngestSettings({ LEASE_TTL_MS: '1500', CLAIM_INTERVAL_MS: '2000', STOP_GRACE_MS: '300' })).toThrow(/one lease round \(500 ms\).* at least 1649\b/);
    expect(() => loadIngestSettings({ LEASE_TTL_MS: '1649', CLAIM_INTERVAL_MS: '2000', STOP_GRACE_MS: '300' })).not.toThrow();
  });

  it('takes Redis Cluster seed nodes, and refuses a queue prefix without a hash tag on a cluster', () => {
    expect(loadIngestSettings({}).REDIS_CLUSTER_NODES).toEqual([]);
    expect(loadIngestSettings({ REDIS_CLUSTER_NODES: 'r0:7000, r1:7000', QUEUE_PREFIX: '{xl}' }).REDIS_CLUSTER_NODES).toEqual(['r0:7000', 'r1:7000']);
    expect(() => loadIngestSettings({ REDIS_CLUSTER_NODES: 'r0:7000' })).toThrow(/QUEUE_PREFIX: QUEUE_PREFIX 'xl' needs a hash tag such as '\{xl\}'/);
    expect(() => loadIngestSettings({ REDIS_CLUSTER_NODES: 'r0', QUEUE_PREFIX: '{xl}' })).toThrow(/REDIS_CLUSTER_NODES\.0: each node must be host:port/);
  });

  it('takes a Redis of their own for the frame bytes, unset by default (then REDIS_URL), and refuses one that is not redis:// without printing its password', () => {
    expect(loadIngestSettings({}).FRAME_REDIS_URL).toBeUndefined();
    expect(loadIngestSettings({ FRAME_REDIS_URL: 'redis://redis-frames:6379' }).FRAME_REDIS_URL).toBe('redis://redis-frames:6379');
    expect(loadIngestSettings({ FRAME_REDIS_URL: 'rediss://xl:pw@frames.example:6380/3' }).FRAME_REDIS_URL).toBe('rediss://xl:pw@frames.example:6380/3');
    expect(() => loadIngestSettings({ FRAME_REDIS_URL: 'http://xl:S3cret@frames:6379' })).toThrow(/FRAME_REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL, not 'http:'/);
    expect(() => loadIngestSettings({ FRAME_REDIS_URL: 'http://xl:S3cret@frames:6379' })).not.toThrow(/S3cret/);
    expect(() => loadIngestSettings({ FRAME_REDIS_URL: 'redis-frames:6379' })).toThrow(/FRAME_REDIS_URL/);
  });

  it('names the variable and the bound it breaks', () => {
    expect(() => loadIngestSettings({ INGEST_CAPACITY: '0' })).toThrow(/INGEST_CAPACITY: .*>=1/);
    expect(() => loadIngestSettings({ LEASE_TTL_MS: 'soon' })).toThrow(/LEASE_TTL_MS/);
    expect(() => loadIngestSettings({ INGEST_ID: 'has space' })).toThrow(/INGEST_ID/);
  });
});

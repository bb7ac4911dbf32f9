import { loadSettings } from './settings';

describe('settings', () => {
  it('has working defaults for a fresh machine', () => {
    const s = loadSettings({}, () => 'generated');
    expect(s).toMatchObject({
      port: 3000,
      databaseUrl: 'sqlite:var/xueliang.db',
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'xl',
      redisKeyPrefix: '',
      jwtSecret: 'generated',
      jwtSecretGenerated: true,
      slaSeconds: { critical: 60, major: 300, warning: 900, info: 0 },
      cameraOfflineAlertSeconds: 60,
      cameraStableSeconds: 30,
      runWorkers: true,
    });
    expect(s.admin).toBeUndefined();
  });

  it('reads and coerces values', () => {
    const s = loadSettings({ PORT: '8080', SLA_CRITICAL_SECONDS: '0.5', JWT_SECRET: 'x'.repeat(32), ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'long-password', RUN_WORKERS: 'false' });
    expect(s).toMatchObject({ port: 8080, jwtSecretGenerated: false, admin: { username: 'root', password: 'long-password' }, runWorkers: false });
    expect(s.slaSeconds.critical).toBe(0.5);
    expect(loadSettings({ KEY_PREFIX: 'site1:' }).redisKeyPrefix).toBe('site1:');
    expect([loadSettings({}).trustProxy, loadSettings({ TRUST_PROXY: '1' }).trustProxy, loadSettings({ TRUST_PROXY: 'loopback' }).trustProxy]).toEqual([false, 1, 'loopback']);
    expect(loadSettings({ REDIS_KEY_PREFIX: 'site1:' }).redisKeyPrefix).toBe('site1:');
  });

  it('takes Redis Cluster seed nodes, and refuses a queue prefix without a hash tag on a cluster', () => {
    expect(loadSettings({}, () => 'x').redisClusterNodes).toEqual([]);
    expect(loadSettings({ REDIS_CLUSTER_NODES: 'r0:7000,r1:7000', QUEUE_PREFIX: '{xl}' }, () => 'x').redisClusterNodes).toEqual(['r0:7000', 'r1:7000']);
    expect(() => loadSettings({ REDIS_CLUSTER_NODES: 'r0:7000' }, () => 'x')).toThrow(/QUEUE_PREFIX 'xl' needs a hash tag/);
  });

  it('names the variable and the bound of a bad value', () => {
    expect(() => loadSettings({ PORT: '70000' })).toThrow(/PORT: .*65535/);
    expect(() => loadSettings({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET: must be at least 32 characters/);
    expect(() => loadSettings({ SLA_MAJOR_SECONDS: '-1' })).toThrow(/SLA_MAJOR_SECONDS/);
    expect(() => loadSettings({ ADMIN_USERNAME: 'root' })).toThrow(/ADMIN_USERNAME and ADMIN_PASSWORD must be set together/);
    expect(() => loadSettings({ RUN_WORKERS: 'maybe' })).toThrow(/RUN_WORKERS/);
    expect(() => loadSettings({ KEY_PREFIX: 'a:', REDIS_KEY_PREFIX: 'b:' })).toThrow(/KEY_PREFIX and REDIS_KEY_PREFIX differ/);
  });
});

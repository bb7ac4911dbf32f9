import '../testing/nest-esm';
import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { capturedLogger } from '../testing/captured-logger';
import { startTestApp, type TestApp } from '../testing/test-app';
import { LoginRateLimiter } from './login-rate-limiter';

describe('login limits (sqlite, real Redis)', () => {
  let t: TestApp;
  let admin: { Authorization: string };
  const logLines: string[] = [];

  beforeAll(async () => {
    t = await startTestApp('sqlite', { LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_IP: '4', TRUST_PROXY: 'true' }, { logger: capturedLogger(logLines, 'info'), registry: new Registry() });
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    await t.http.post('/regions').set(admin).send({ id: 'city', name: 'City', level: 'city', parentId: null }).expect(201);
    await t.http.post('/users').set(admin).send({ username: 'duty', password: 'duty-password-1', role: 'operator', regionIds: ['city'] }).expect(201);
  });
  afterAll(() => t?.close());
  afterEach(() => jest.restoreAllMocks());

  // TRUST_PROXY=true here only to give each test its own client address.
  const login = (ip: string, username: string, password: string) => t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ username, password });

  it('warns at start that TRUST_PROXY=true lets clients choose their address', () => {
    expect(logLines.some((l) => l.includes('TRUST_PROXY=true') && l.includes('left-most X-Forwarded-For'))).toBe(true);
  });

  it('locks an IP out after LOGIN_MAX_FAILURES_PER_IP failures spread over made-up names; right passwords do not count', async () => {
    const ip = '198.51.100.7';
    await login(ip, 'duty', 'duty-password-1').expect(200); // counted, then forgiven
    for (let n = 1; n <= 4; n++) expect((await login(ip, `nobody-${n}`, 'guess')).status).toBe(401); // before: unlimited
    const locked = await login(ip, 'nobody-5', 'guess');
    expect(locked.status).toBe(429);
    expect((await login(ip, 'duty', 'duty-password-1')).status).toBe(429); // even the right password: a guesser learns nothing
    expect((await login('198.51.100.8', 'duty', 'duty-password-1')).status).toBe(200); // another address is not held up
  });

  it("lets a browser where the user signed in before through its IP's lock (device token); only for that user", async () => {
    const ip = '198.51.100.20';
    const first = await login(ip, 'duty', 'duty-password-1').expect(200);
    const deviceToken = first.body.deviceToken as string;
    expect(deviceToken).toMatch(/^d1\./);
    for (let n = 1; n <= 5; n++) await login(ip, `stranger-${n}`, 'guess'); // a guesser behind the same NAT
    expect((await login(ip, 'duty', 'duty-password-1')).status).toBe(429); // a new browser is held up
    const known = await t.http.post('/auth/login').set('X-Forwarded-For', ip).set('X-Xueliang-Device', deviceToken).send({ username: 'duty', password: 'duty-password-1' });
    expect(known.status).toBe(200); // before: 429 for everyone at that address
    expect(known.body.deviceToken).toMatch(/^d1\./);
    // It vouches for its own user only, and only as signed.
    const [payload, signature] = deviceToken.split('.').slice(1);
    for (const [username, token] of [
      ['admin', deviceToken],
      ['duty', `d1.${payload}.${signature.slice(0, -2)}xx`],
    ]) {
      const res = await t.http.post('/auth/login').set('X-Forwarded-For', ip).set('X-Xueliang-Device', token).send({ username, password: username === 'admin' ? 'admin-password-1' : 'duty-password-1' });
      expect(res.status).toBe(429);
    }
  });

  it("counts a device's wrong passwords on their own: LOGIN_MAX_FAILURES of them lock that device", async () => {
    const ip = '198.51.100.21';
    const { deviceToken } = (await login(ip, 'duty', 'duty-password-1').expect(200)).body as { deviceToken: string };
    const withDevice = (password: string) => t.http.post('/auth/login').set('X-Forwarded-For', ip).set('X-Xueliang-Device', deviceToken).send({ username: 'duty', password });
    for (let n = 1; n <= 5; n++) expect((await withDevice(`guess-${n}`)).status).toBe(401);
    expect((await withDevice('duty-password-1')).status).toBe(429);
    // Neither the address nor this user's count there took those tries: a browser without the token signs in.
    expect((await login(ip, 'duty', 'duty-password-1')).status).toBe(200);
  });

  it('gives a count found without an expiry one, so no address stays locked out for good', async () => {
    const ip = '198.51.100.10';
    const key = `${t.settings.redisKeyPrefix}xl:login-failures-ip:${createHash('sha256').update(ip).digest('hex').slice(0, 32)}`;
    await t.redis.set(key, '50'); // as a window's first SET and INCR apart could leave it (before)
    expect((await login(ip, 'nobody', 'guess')).status).toBe(429);
    const ttl = await t.redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300_000); // LOGIN_WINDOW_SECONDS
  });

  it('answers 503, not 500, while the limit cannot be counted (Redis away), and signs nobody in', async () => {
    jest.spyOn(t.app.get(LoginRateLimiter), 'take').mockRejectedValue(new Error('Connection is closed.'));
    const res = await login('198.51.100.9', 'duty', 'duty-password-1');
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('sign-in is unavailable while the login rate limit cannot be counted');
  });

  it("serves an API key's request when only the write of its last use fails", async () => {
    const key = (await t.http.post('/api-keys').set(admin).send({ name: 'siren', role: 'viewer', regionIds: ['city'] }).expect(201)).body.key as string;
    jest.spyOn(t.app.get(ApiKeysRepository), 'touch').mockRejectedValue(new Error('database is locked'));
    expect((await t.http.get('/alerts').set({ Authorization: `Bearer ${key}` })).status).toBe(200); // before: 500
    expect(logLines.some((l) => l.includes("an API key's last use was not recorded"))).toBe(true);
  });
});

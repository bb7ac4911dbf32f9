import '../testing/nest-esm';
import { createSecretKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokens } from '../auth/access-tokens';
import { TestPushClient } from '../realtime/testing/ws-client';
import { startListeningApi, TEST_JWT_SECRET, type ListeningApi } from './testing/listening-api';

// Forged and stale credentials are refused the same way by REST (401) and by the WebSocket
// handshake (HTTP 401, no socket): alg none, a wrong signature, an algorithm we do not use, expired,
// another issuer or audience, not an access token, a user who does not exist.

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const key = (secret: string) => createSecretKey(Buffer.from(secret, 'utf8'));

async function signed(claims: Record<string, unknown>, options: { secret?: string; alg?: string; iss?: string; aud?: string; exp?: number } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ typ: 'access', ...claims })
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(options.iss ?? 'xueliang-alerts-api')
    .setAudience(options.aud ?? 'xueliang')
    .setIssuedAt(now - 60)
    .setExpirationTime(options.exp ?? now + 3600)
    .sign(key(options.secret ?? TEST_JWT_SECRET));
}

describe('forged, tampered and stale credentials', () => {
  let env: ListeningApi;
  let adminId: string;
  let valid: string;

  beforeAll(async () => {
    env = await startListeningApi();
    valid = await env.api.world.token('admin');
    adminId = (await env.api.world.http.get('/auth/me').set({ Authorization: `Bearer ${valid}` }).expect(200)).body.id;
  });
  afterAll(async () => {
    await env?.close();
  });

  async function forgeries(): Promise<Record<string, string>> {
    const now = Math.floor(Date.now() / 1000);
    const [header, payload, signature] = valid.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      'alg none, signature kept': `${b64({ alg: 'none' })}.${payload}.${signature}`,
      'payload changed under the signature': `${header}.${b64({ ...claims, sub: 'someone-else', exp: now + 999_999 })}.${signature}`,
      'signed with another secret': await signed({ sub: adminId }, { secret: 'another-secret-of-at-least-32-characters!' }),
      'HS512 with our secret': await signed({ sub: adminId }, { alg: 'HS512' }),
      expired: (await new AccessTokens(TEST_JWT_SECRET, 60).issue(adminId, Date.now() - 3_600_000)).token,
      'another issuer': await signed({ sub: adminId }, { iss: 'someone-else' }),
      'another audience': await signed({ sub: adminId }, { aud: 'other-app' }),
      'not an access token': await signed({ sub: adminId, typ: 'refresh' }),
      'no subject': await signed({}),
      'a user that does not exist': await signed({ sub: '00000000-0000-0000-0000-000000000000' }),
      'truncated': valid.slice(0, -3),
      'API key of the right shape, unknown': 'xlk_0123456789abcdef_' + 'a'.repeat(43),
    };
  }

  it('control: the genuine token and one we sign like the API are accepted', async () => {
    const http = env.api.world.http;
    expect((await http.get('/auth/me').set({ Authorization: `Bearer ${valid}` })).status).toBe(200);
    expect((await http.get('/auth/me').set({ Authorization: `Bearer ${await signed({ sub: adminId })}` })).status).toBe(200);
  });

  it('refuses every forgery on REST with 401', async () => {
    const statuses: Record<string, number> = {};
    for (const [name, token] of Object.entries(await forgeries())) {
      statuses[name] = (await env.api.world.http.get('/alerts').set({ Authorization: `Bearer ${token}` })).status;
    }
    expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((k) => [k, 401])));
  });

  it('refuses every forgery at the WebSocket handshake with 401 (header, subprotocol and query)', async () => {
    const statuses: Record<string, unknown> = {};
    for (const [name, token] of Object.entries(await forgeries())) {
      for (const via of ['header', 'protocol', 'query'] as const) {
        statuses[`${name} (${via})`] = await TestPushClient.connect(env.api.wsUrl, token, { via }).then(
          (client) => {
            client.close();
            return 'upgraded';
          },
          (err: { statusCode?: number }) => err.statusCode,
        );
      }
    }
    expect(statuses).toEqual(Object.fromEntries(Object.keys(statuses).map((k) => [k, 401])));
  });
});

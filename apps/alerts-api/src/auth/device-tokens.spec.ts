import { DeviceTokens } from './device-tokens';

describe('DeviceTokens', () => {
  const DAY = 86_400_000;
  const now = Date.UTC(2026, 11, 3, 12);
  const tokens = new DeviceTokens('test-secret-test-secret-test-secret!', 180 * DAY);

  it('vouches for the user it was given to, in any case of the name, until its lifetime ends', () => {
    const token = tokens.issue('Duty', now, 'device-1');
    expect(tokens.verify(token, 'duty', now + 179 * DAY)).toEqual({ username: 'duty', deviceId: 'device-1', issuedAt: now });
    expect(tokens.verify(token, 'DUTY', now)).toBeDefined();
    expect(tokens.verify(token, 'duty', now + 180 * DAY)).toBeUndefined();
    expect(tokens.verify(token, 'admin', now)).toBeUndefined();
  });

  it('refuses what it did not sign: another secret, a changed payload or signature, another version, no token', () => {
    const token = tokens.issue('duty', now);
    const [version, payload, signature] = token.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ u: 'duty', d: 'mine', t: now })).toString('base64url');
    for (const forged of [
      new DeviceTokens('another-secret-another-secret-1234', 180 * DAY).issue('duty', now),
      `${version}.${otherPayload}.${signature}`,
      `${version}.${payload}.${signature.slice(1)}`,
      `d2.${payload}.${signature}`,
      `${token}.extra`,
      '',
      undefined,
    ]) {
      expect(tokens.verify(forged, 'duty', now)).toBeUndefined();
    }
  });

  it("takes a token another instance gave a little ahead of this one's clock, not one from far ahead", () => {
    expect(tokens.verify(tokens.issue('duty', now + 30_000), 'duty', now)).toBeDefined();
    expect(tokens.verify(tokens.issue('duty', now + 120_000), 'duty', now)).toBeUndefined();
  });

  it('gives a new random device id unless one is given, and is off with a lifetime of 0', () => {
    const a = tokens.verify(tokens.issue('duty', now), 'duty', now)!;
    const b = tokens.verify(tokens.issue('duty', now), 'duty', now)!;
    expect(a.deviceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.deviceId).not.toBe(b.deviceId);
    const off = new DeviceTokens('test-secret-test-secret-test-secret!', 0);
    expect(off.enabled).toBe(false);
    expect(off.verify(off.issue('duty', now), 'duty', now)).toBeUndefined();
  });
});

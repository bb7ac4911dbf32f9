import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Device tokens ("device cookies", OWASP): a browser in which a user signed in before gets a signed
 * note of it. Its password tries are then counted per device, not per IP, so that guesses from
 * behind a command centre's NAT lock out unknown clients only, not the operators who work there.
 * The token is no credential: it proves nothing but an earlier sign-in of that user name in that
 * browser, and a stolen one gives no more tries than a login from a new address.
 */
export interface DeviceToken {
  /** The user name it was given to, lower case: a token of one user does not vouch for another. */
  username: string;
  /** The device's id, random: its tries are counted under it. */
  deviceId: string;
  /** When it was given (epoch ms). */
  issuedAt: number;
}

const VERSION = 'd1';

export class DeviceTokens {
  private readonly key: Buffer;

  /** `secret`: the API's signing secret (JWT_SECRET); a key of its own is derived from it. */
  constructor(secret: string, private readonly lifetimeMs: number) {
    this.key = createHmac('sha256', secret).update('xl-device-token').digest();
  }

  /** Off when its lifetime is 0 (LOGIN_DEVICE_TOKEN_DAYS): every try counts per IP. */
  get enabled(): boolean {
    return this.lifetimeMs > 0;
  }

  issue(username: string, now: number, deviceId = randomBytes(16).toString('hex')): string {
    const payload = Buffer.from(JSON.stringify({ u: username.toLowerCase(), d: deviceId, t: now })).toString('base64url');
    return `${VERSION}.${payload}.${this.sign(payload)}`;
  }

  /** The token's content when it is ours, unexpired and given to `username`; otherwise undefined. */
  verify(token: string | undefined, username: string, now: number): DeviceToken | undefined {
    if (!this.enabled || !token) return undefined;
    const [version, payload, signature, ...rest] = token.split('.');
    if (version !== VERSION || !payload || !signature || rest.length) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let body: { u?: unknown; d?: unknown; t?: unknown };
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof body.u !== 'string' || typeof body.d !== 'string' || typeof body.t !== 'number') return undefined;
    // A minute ahead is allowed: another API instance gave it, whose clock may run a little ahead.
    if (body.u !== username.toLowerCase() || body.t > now + 60_000 || now - body.t >= this.lifetimeMs) return undefined;
    return { username: body.u, deviceId: body.d, issuedAt: body.t };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(`${VERSION}.${payload}`).digest('base64url');
  }
}

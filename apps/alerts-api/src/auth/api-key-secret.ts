import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// API keys look like xlk_<id>_<secret>. The id finds the row; only sha256(secret) is stored. The
// secret is 192 random bits, so a fast hash is enough (no dictionary to attack).

export const API_KEY_PREFIX = 'xlk_';

export function newApiKey(): { id: string; secret: string; key: string; hash: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  return { id, secret, key: `${API_KEY_PREFIX}${id}_${secret}`, hash: hashSecret(secret) };
}

export function parseApiKey(key: string): { id: string; secret: string } | null {
  const match = /^xlk_([0-9a-f]{16})_([A-Za-z0-9_-]{32})$/.exec(key);
  return match ? { id: match[1], secret: match[2] } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

import { scryptSync } from 'node:crypto';
import { loadSettings } from '../settings';
import { credentialId, defaultScryptLog2N, hashIsWeaker, hashPassword, isUpgradedHash, JEST_SCRYPT_LOG2_N, upgradedHash, verifyPassword } from './passwords';

/** A hash as versions before OWASP's cost wrote it: N = 2^14, r = 8, p = 1. */
function legacyHash(password: string): string {
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync(password.normalize('NFKC'), salt, 64, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

describe('password hashes', () => {
  it("hashes at OWASP's minimum (N = 2^17, r = 8, p = 1: 128 MiB) and verifies it", async () => {
    const hash = await hashPassword('pond-keeper-1', 17);
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[\w-]{22}\$[\w-]{86}$/); // before: N = 16384 whatever was asked
    expect(await verifyPassword('pond-keeper-1', hash)).toBe(true); // before: over the fixed 64 MiB maxmem
    expect(await verifyPassword('pond-keeper-2', hash)).toBe(false);
    expect(hashIsWeaker(hash, 17)).toBe(false);
    expect(hashIsWeaker(hash, 18)).toBe(true);
  }, 20_000);

  it('verifies the hashes of earlier versions, and finds them weaker than the cost of new ones', async () => {
    const old = legacyHash('pond-keeper-1');
    expect(await verifyPassword('pond-keeper-1', old)).toBe(true);
    expect(await verifyPassword('pond-keeper-2', old)).toBe(false);
    expect(hashIsWeaker(old, 17)).toBe(true);
    expect(hashIsWeaker(old, 14)).toBe(false);
  });

  it('upgrades a hash to a higher cost with the same salt, which names the same credential', async () => {
    const old = legacyHash('pond-keeper-1');
    const upgraded = await upgradedHash('pond-keeper-1', old, 15);
    expect(upgraded).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+\$upgraded$/);
    expect(await verifyPassword('pond-keeper-1', upgraded)).toBe(true);
    expect(await verifyPassword('pond-keeper-2', upgraded)).toBe(false);
    expect(credentialId(upgraded)).toBe(credentialId(old));
    expect([isUpgradedHash(upgraded), isUpgradedHash(old), hashIsWeaker(upgraded, 15)]).toEqual([true, false, false]);
    const fresh = await hashPassword('pond-keeper-1', 10);
    expect([isUpgradedHash(fresh), credentialId(fresh) === credentialId(old)]).toEqual([false, false]);
  });

  it('refuses a stored hash with parameters past what this API writes, without deriving it', async () => {
    const salt = Buffer.alloc(16).toString('base64url');
    const key = Buffer.alloc(64).toString('base64url');
    const started = Date.now();
    for (const params of ['1073741824$8$1', '1048576$16$1', '16384$8$17', '16384$0$1', '1$8$1', 'x$8$1']) {
      expect(await verifyPassword('anything', `scrypt$${params}$${salt}$${key}`)).toBe(false);
    }
    expect(Date.now() - started).toBeLessThan(1000);
    expect(hashIsWeaker('bcrypt$whatever', 12)).toBe(true);
  });

  it('takes the cost of new hashes from PASSWORD_SCRYPT_LOG2_N, never below 17; unset, the lower one of jest alone', () => {
    expect(defaultScryptLog2N({})).toBe(17);
    expect(defaultScryptLog2N({ JEST_WORKER_ID: '1' })).toBe(JEST_SCRYPT_LOG2_N);
    expect(loadSettings({}, () => 'x').passwordScryptLog2N).toBe(JEST_SCRYPT_LOG2_N); // this process is jest's
    expect(loadSettings({ PASSWORD_SCRYPT_LOG2_N: '17' }, () => 'x').passwordScryptLog2N).toBe(17);
    expect(loadSettings({ PASSWORD_SCRYPT_LOG2_N: '19' }, () => 'x').passwordScryptLog2N).toBe(19);
    expect(() => loadSettings({ PASSWORD_SCRYPT_LOG2_N: '16' }, () => 'x')).toThrow("PASSWORD_SCRYPT_LOG2_N: must be at least 17: OWASP's minimum for scrypt");
    expect(() => loadSettings({ PASSWORD_SCRYPT_LOG2_N: String(JEST_SCRYPT_LOG2_N) }, () => 'x')).toThrow(/PASSWORD_SCRYPT_LOG2_N/);
    expect(() => loadSettings({ PASSWORD_SCRYPT_LOG2_N: '21' }, () => 'x')).toThrow(/PASSWORD_SCRYPT_LOG2_N/);
  });
});

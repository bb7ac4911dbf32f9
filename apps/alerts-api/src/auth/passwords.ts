import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt (memory-hard) with a per-password salt. The parameters travel with the hash: a hash made
// at a lower cost (N = 2^14 in earlier versions) still verifies, and is upgraded at its user's next sign-in.

/** OWASP's minimum for scrypt (Password Storage Cheat Sheet): N = 2^17, r = 8, p = 1 — 128 MiB a hash. */
export const MIN_SCRYPT_LOG2_N = 17;
/** The most PASSWORD_SCRYPT_LOG2_N allows: 2^20 takes 1 GiB a hash, on each of libuv's 4 threads during a burst of logins. */
export const MAX_SCRYPT_LOG2_N = 20;
/**
 * The cost of new hashes in jest's workers when PASSWORD_SCRYPT_LOG2_N is not given: JEST_WORKER_ID,
 * which jest sets in each worker, says so. The suites create and sign in several hundred users; at
 * OWASP's cost (~0.6 s a hash on CI's 2 shared cores) that added minutes to a run. No setting reaches
 * it (PASSWORD_SCRYPT_LOG2_N starts at 17); the tests of the real cost give it explicitly.
 */
export const JEST_SCRYPT_LOG2_N = 12;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;
/**
 * Ends a hash written by upgradedHash (the same password, at a higher cost): the credential is the one
 * checked at sign-in, and tokens of older versions bound to its former hash stay valid (credential-verifier).
 */
const UPGRADED = 'upgraded';

/** The cost of new hashes when PASSWORD_SCRYPT_LOG2_N is not set: OWASP's minimum, or JEST_SCRYPT_LOG2_N under jest. */
export function defaultScryptLog2N(env: NodeJS.ProcessEnv = process.env): number {
  return env.JEST_WORKER_ID !== undefined ? JEST_SCRYPT_LOG2_N : MIN_SCRYPT_LOG2_N;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  /** base64url, as stored. */
  salt: string;
  key: Buffer;
  upgraded: boolean;
}

/** "scrypt$N$r$p$salt$key" (base64url), "…$upgraded" after upgradedHash; null for anything else, or a cost past what this API writes. */
function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split('$');
  const upgraded = parts.length === 7 && parts[6] === UPGRADED;
  if ((parts.length !== 6 && !upgraded) || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  // Bounded: a hash is verified with the memory its parameters ask for (maxmemFor), at most the 1 GiB of MAX_SCRYPT_LOG2_N.
  if (![N, r, p].every((v) => Number.isSafeInteger(v) && v >= 1) || N < 2 || N * r > 2 ** MAX_SCRYPT_LOG2_N * R || p > 16) return null;
  return { N, r, p, salt: parts[4], key: Buffer.from(parts[5], 'base64url'), upgraded };
}

/**
 * What scrypt needs: its V array (128·N·r bytes) and its B array (128·r·p), with slack. Node refuses a
 * derivation over `maxmem`: the fixed 64 MiB this API passed before could not verify N = 2^16.
 */
function maxmemFor(N: number, r: number, p: number): number {
  return 128 * r * (N + p + 2) + 1024 * 1024;
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, { N, r, p, maxmem: maxmemFor(N, r, p) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function format(N: number, salt: string, key: Buffer, upgraded: boolean): string {
  return ['scrypt', N, R, P, salt, key.toString('base64url'), ...(upgraded ? [UPGRADED] : [])].join('$');
}

/** A new hash of `password` at N = 2^log2N, r = 8, p = 1, with a new salt. */
export async function hashPassword(password: string, log2N = defaultScryptLog2N()): Promise<string> {
  const salt = randomBytes(SALT_LENGTH).toString('base64url');
  return format(2 ** log2N, salt, await derive(password, Buffer.from(salt, 'base64url'), 2 ** log2N, R, P, KEY_LENGTH), false);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const hash = parseHash(stored);
  if (!hash) return false;
  const key = await derive(password, Buffer.from(hash.salt, 'base64url'), hash.N, hash.r, hash.p, hash.key.length);
  return key.length === hash.key.length && timingSafeEqual(key, hash.key);
}

/** Whether `stored` was made at a lower cost than N = 2^log2N, r = 8, p = 1 (or is not one of ours): it is to be upgraded. */
export function hashIsWeaker(stored: string, log2N: number): boolean {
  const hash = parseHash(stored);
  return !hash || hash.N < 2 ** log2N || hash.r < R || hash.p < P || hash.key.length < KEY_LENGTH;
}

/**
 * `stored`'s password (just verified against it) hashed again at N = 2^log2N. It keeps the salt: with
 * the time of the last change it names the credential (credentialId), which an upgrade does not change.
 */
export async function upgradedHash(password: string, stored: string, log2N: number): Promise<string> {
  const hash = parseHash(stored);
  if (!hash) throw new Error('only a scrypt hash of this API is upgraded');
  return format(2 ** log2N, hash.salt, await derive(password, Buffer.from(hash.salt, 'base64url'), 2 ** log2N, R, P, KEY_LENGTH), true);
}

/** Whether `stored` came from upgradedHash: the same password as the hash it replaced. */
export function isUpgradedHash(stored: string): boolean {
  return parseHash(stored)?.upgraded ?? false;
}

/** What names the password a hash was made of across upgrades: its salt (the whole text of a hash that is not ours). */
export function credentialId(stored: string): string {
  return parseHash(stored)?.salt ?? stored;
}

/** A hash at N = 2^log2N to compare against when the user does not exist, so that timing does not reveal it. */
export function dummyPasswordHash(log2N: number): string {
  return format(2 ** log2N, Buffer.alloc(SALT_LENGTH).toString('base64url'), Buffer.alloc(KEY_LENGTH), false);
}

import { randomBytes } from 'node:crypto';

/** Redis the tests use: $REDIS_URL or the local default (scripts/test.sh starts one if none answers). */
export function testRedisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** A key / BullMQ prefix unique to one test, so parallel test files never see each other's data. */
export function uniquePrefix(label = 'test'): string {
  return `xltest:${label}:${randomBytes(4).toString('hex')}`;
}

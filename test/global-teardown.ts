import { TEST_RUN_ENV } from '../libs/testing/src/redis';
import { deleteTestKeys, ofRun } from './test-run-keys';

/** Deletes the Redis keys this run's tests left (a BullMQ queue's, a fault test's), whatever they were. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env[TEST_RUN_ENV];
  if (run) await deleteTestKeys(ofRun(run));
}

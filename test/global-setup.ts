import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { newTestRunId, TEST_RUN_ENV } from '../libs/testing/src/redis';
import { deleteTestKeys, ofStaleRuns } from './test-run-keys';

/**
 * Integration tests spawn the compiled apps (node dist/...): build once before any test runs
 * (incremental, ~1 s when nothing changed). The run gets an id its workers inherit, which every test
 * key carries (uniquePrefix): global-teardown.ts deletes the run's keys, and here the keys of runs
 * killed before theirs are deleted.
 */
export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [path.join(__dirname, '../tools/build.mjs')], { stdio: 'inherit' });
  // Always a new one: an id inherited from a shell would be shared by two runs, each deleting the other's keys.
  process.env[TEST_RUN_ENV] = newTestRunId();
  await deleteTestKeys(ofStaleRuns(Date.now()));
}

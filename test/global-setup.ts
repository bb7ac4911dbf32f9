import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Integration tests spawn the compiled apps (node dist/...): build once before any test runs
 * (incremental, ~1 s when nothing changed).
 */
export default async function globalSetup(): Promise<void> {
  execFileSync(process.execPath, [path.join(__dirname, '../tools/build.mjs')], { stdio: 'inherit' });
}

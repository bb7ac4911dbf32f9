import { existsSync } from 'node:fs';
import path from 'node:path';

/** Repository root (this file is libs/testing/src/shared-data.ts, or its compiled twin under dist/). */
export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../..' : '../../..');

/** The read-only test data folder: $XL_SHARED_DIR, else ../shared beside the repository. */
export function sharedDir(): string {
  return process.env.XL_SHARED_DIR ?? path.resolve(repoRoot, '../shared');
}

/**
 * Absolute path of a file in the shared data folder. When it is missing: under CI this throws (a test
 * that needs it must fail, never skip); elsewhere it returns null so the caller can skip.
 */
export function sharedPath(relPath: string): string | null {
  const full = path.join(sharedDir(), relPath);
  if (existsSync(full)) return full;
  if (process.env.CI) throw new Error(`test data missing: ${full} (set XL_SHARED_DIR or provide ../shared)`);
  return null;
}

/** Like sharedPath, but always throws when the file is missing. */
export function requireShared(relPath: string): string {
  const full = path.join(sharedDir(), relPath);
  if (!existsSync(full)) throw new Error(`test data missing: ${full} (set XL_SHARED_DIR or provide ../shared)`);
  return full;
}

/** `describe` when every listed shared file exists, else `describe.skip` (never under CI: sharedPath throws). */
export function describeWithShared(relPaths: string[]): jest.Describe {
  return relPaths.every((p) => sharedPath(p) !== null) ? describe : describe.skip;
}

import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

// Snapshot paths come from the analyzer (relative to the shared SNAPSHOT_DIR) and are served to
// browsers: a path must never reach outside the directory, neither by "..", nor absolute, nor
// through a symlink.

/** The absolute path of `relative` inside `dir`, or null when it would leave it. */
export function resolveInside(dir: string, relative: string): string | null {
  if (!relative || relative.includes('\0') || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative)) return null;
  const root = path.resolve(dir);
  const full = path.resolve(root, relative);
  const rel = path.relative(root, full);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return full;
}

/** The real path of an existing regular file inside `dir` (symlinks resolved), or null. */
export async function existingSnapshot(dir: string, relative: string): Promise<string | null> {
  const full = resolveInside(dir, relative);
  if (!full) return null;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(path.resolve(dir)), realpath(full)]);
    const rel = path.relative(realRoot, realFile);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return (await stat(realFile)).isFile() ? realFile : null;
  } catch {
    return null;
  }
}

/**
 * Where to delete `relative` inside `dir`: its directory's real path (symlinks resolved) joined with its
 * name, or null when that directory is outside `dir` or does not exist. A symlink to a directory
 * elsewhere must not let retention delete files there; a symlinked file is removed as a link.
 */
export async function removablePathInside(dir: string, relative: string): Promise<string | null> {
  const full = resolveInside(dir, relative);
  if (!full) return null;
  try {
    const [realRoot, realParent] = await Promise.all([realpath(path.resolve(dir)), realpath(path.dirname(full))]);
    const rel = path.relative(realRoot, realParent);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
    return path.join(realParent, path.basename(full));
  } catch {
    return null;
  }
}

export function snapshotContentType(file: string): string {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'image/jpeg';
  if (ext === '.png') return 'image/png';
  if (ext === '.webp') return 'image/webp';
  return 'application/octet-stream';
}

import { stat } from 'node:fs/promises';
import path from 'node:path';

/** A file of the built console and how long browsers may keep it. */
export interface ConsoleAsset {
  file: string;
  cacheControl: string;
}

/**
 * The built console on disk (the filesystem side of serving it). Hashed files under assets/ are
 * immutable; index.html is revalidated on every load so a new build reaches browsers at once.
 */
export class ConsoleAssets {
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  /** index.html, or null when the console has not been built. */
  index(): Promise<ConsoleAsset | null> {
    return this.file('index.html', 'no-cache');
  }

  /**
   * The file at `relPath` (URL path below the console's base, already decoded), or null when there
   * is none. Never resolves outside the console directory and never serves dotfiles.
   */
  find(relPath: string): Promise<ConsoleAsset | null> {
    const parts = relPath.split('/').filter(Boolean);
    if (parts.some((p) => p.startsWith('.') || p.includes('\\') || p.includes('\0'))) return Promise.resolve(null);
    if (parts.length === 0) return this.index();
    const immutable = parts[0] === 'assets';
    return this.file(parts.join('/'), immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  }

  private async file(rel: string, cacheControl: string): Promise<ConsoleAsset | null> {
    const file = path.resolve(this.root, rel);
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return null;
    try {
      return (await stat(file)).isFile() ? { file, cacheControl } : null;
    } catch {
      return null;
    }
  }
}

import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { existingSnapshot, removablePathInside } from '../alerts/snapshots';
import { EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence.options';

/**
 * What ingest's cutClip/keyframeSnapshot write beside the target (`<file>.<pid>-<8 hex>.part`,
 * `.ffconcat`, `.part.jpg`, libs/media recording-clip.ts) and rename or delete in a `finally` that a
 * SIGKILL skips: nothing else ever deletes one.
 */
const ASIDE_FILE = /\.\d+-[0-9a-f]{8}\.(?:part|ffconcat|part\.jpg)$/;
/** clips/<camera>/<file>, snapshots/<camera>/<file> (ingest's evidence.repository.ts): two levels below. */
const ASIDE_MAX_DEPTH = 2;

/** Files in the shared evidence directory; paths come from ingest and must stay inside it. */
@Injectable()
export class EvidenceFiles {
  constructor(@Inject(EVIDENCE_OPTIONS) private readonly options: EvidenceOptions) {}

  /** Absolute real path of an existing file inside the directory, or null. */
  existing(relativePath: string): Promise<string | null> {
    return existingSnapshot(this.options.EVIDENCE_DIR, relativePath);
  }

  /** Deletes the file if it is inside the directory by its real path; a missing file is not an error. */
  async remove(relativePath: string): Promise<void> {
    const target = await removablePathInside(this.options.EVIDENCE_DIR, relativePath);
    if (target) await rm(target, { force: true });
  }

  /**
   * Deletes the aside files of cuts whose ingest was killed mid-cut (modified before `before`, epoch
   * ms by this host's clock, as file times are); returns how many. Symlinks are never followed.
   */
  async removeStaleAsides(before: number): Promise<number> {
    let removed = 0;
    const walk = async (dir: string, depth: number): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory() && depth < ASIDE_MAX_DEPTH) await walk(full, depth + 1);
        else if (entry.isFile() && ASIDE_FILE.test(entry.name)) {
          const { mtimeMs } = await lstat(full).catch(() => ({ mtimeMs: Infinity }));
          if (mtimeMs >= before) continue; // a cut may still be writing it (a re-encode runs up to 300 s)
          await rm(full, { force: true });
          removed += 1;
        }
      }
    };
    await walk(path.resolve(this.options.EVIDENCE_DIR), 0);
    return removed;
  }
}

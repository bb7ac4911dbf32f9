import { rm } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { existingSnapshot, removablePathInside } from '../alerts/snapshots';
import { EVIDENCE_OPTIONS, type EvidenceOptions } from './evidence.options';

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
}

import { type DynamicModule, Global, Module } from '@nestjs/common';
import { EvidenceController } from './evidence.controller';
import { EvidenceFiles } from './evidence-files';
import { EvidenceMetrics } from './evidence.metrics';
import { EVIDENCE_OPTIONS, type EvidenceOptions, loadEvidenceOptions } from './evidence.options';
import { EvidenceRepository } from './evidence.repository';
import { EvidenceService } from './evidence.service';
import { EvidenceRetentionService } from './retention.service';
import { SnapshotFiles } from './snapshot-files';
import { SnapshotRetentionService } from './snapshot-retention.service';

/**
 * Evidence of alerts: clip requests to ingest, results from it, serving clips (range requests) and
 * high-resolution snapshots, retention. Global so that the intake can ask for clips without a
 * module cycle. Options: the EVIDENCE_* environment (evidence.options.ts) unless given.
 */
@Global()
@Module({})
export class EvidenceModule {
  static forRoot(options?: EvidenceOptions): DynamicModule {
    return {
      module: EvidenceModule,
      controllers: [EvidenceController],
      providers: [
        { provide: EVIDENCE_OPTIONS, useValue: options ?? loadEvidenceOptions(process.env) },
        EvidenceRepository,
        EvidenceFiles,
        EvidenceMetrics,
        EvidenceService,
        EvidenceRetentionService,
        SnapshotFiles,
        SnapshotRetentionService,
      ],
      exports: [EvidenceService, EvidenceRepository, EvidenceRetentionService, SnapshotRetentionService],
    };
  }
}

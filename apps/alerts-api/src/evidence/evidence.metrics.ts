import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../core/tokens';

@Injectable()
export class EvidenceMetrics {
  readonly results: Counter<'status'>;
  readonly refused: Counter<'why'>;
  readonly deleted: Counter<'why'>;
  readonly bytes: Gauge;
  readonly snapshotsDeleted: Counter<'why'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.results = new Counter({
      name: 'xl_api_evidence_results_total',
      help: 'Clip results from ingest, by status: complete, truncated (camera offline, hand-over, late start), unavailable',
      labelNames: ['status'],
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'xl_api_evidence_results_refused_total',
      help: "Clip results not applied because they are not the alert's own, by why: unknown_alert, camera (another camera than the alert's), clip_path or snapshot_path (not clips|snapshots/<alert's camera>/<alert>)",
      labelNames: ['why'],
      registers: [registry],
    });
    this.deleted = new Counter({
      name: 'xl_api_evidence_deleted_total',
      help: 'Evidence deleted by retention, by why: expired (per outcome and severity) or disk_budget',
      labelNames: ['why'],
      registers: [registry],
    });
    this.snapshotsDeleted = new Counter({
      name: 'xl_api_snapshots_deleted_total',
      help: "Annotated snapshot files deleted, by why: expired (with the alert's evidence) or orphan (held by no alert)",
      labelNames: ['why'],
      registers: [registry],
    });
    this.bytes = new Gauge({ name: 'xl_api_evidence_bytes', help: 'Bytes of evidence kept (after the last retention run)', registers: [registry] });
  }
}

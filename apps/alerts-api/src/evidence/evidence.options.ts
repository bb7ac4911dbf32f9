import { z } from 'zod';
import { parseEnvOptions } from '../common/env-options';

const days = (def: number, what: string) => z.coerce.number().min(0).max(36_500).default(def).describe(what);

/** Evidence settings from the environment. Every field: description, default, bounds. */
export const evidenceEnvSchema = z.object({
  EVIDENCE_DIR: z
    .string()
    .min(1)
    .default('var/evidence')
    .describe("shared directory ingest writes clips and high-resolution snapshots to (ingest's EVIDENCE_DIR; a RWX volume in Kubernetes)"),
  EVIDENCE_KEEP_FALSE_ALARM_DAYS: days(7, "evidence (clip, high-resolution snapshot, and every annotated snapshot the alert received) of alerts resolved as false alarms is deleted after this many days"),
  EVIDENCE_KEEP_TRUE_ALARM_DAYS: days(180, 'evidence of true alarms (a case may be built on it)'),
  EVIDENCE_KEEP_DUPLICATE_DAYS: days(7, 'evidence of alerts resolved as duplicates'),
  EVIDENCE_KEEP_RECOVERED_DAYS: days(30, 'evidence of alerts the system resolved (camera back online)'),
  EVIDENCE_KEEP_CRITICAL_MIN_DAYS: days(30, 'critical alerts (drowning) keep their evidence at least this long whatever the outcome'),
  EVIDENCE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1_048_576)
    .max(2 ** 50)
    .default(50 * 2 ** 30)
    .describe('disk budget of the clips and high-resolution snapshots in EVIDENCE_DIR (default 50 GiB; annotated snapshots, a few tens of KiB each, go by the keep days only); above it the oldest evidence of resolved alerts is deleted first, never that of unresolved ones'),
  EVIDENCE_ANSWER_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(600)
    .describe("a clip nobody answered this long after its latest request (no ingest owns the camera, the request was lost) is marked unavailable with reason no_answer instead of staying 'pending'; a late answer still replaces it. Above the longest clip wait: postSeconds (≤ 120) + 2 × segmentSeconds + stallSeconds"),
  SNAPSHOT_ORPHAN_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(7)
    .describe("annotated snapshots no alert holds (its event never reached the API, a write cut short) are deleted once their day is this many days past; above the longest an alert event may wait in the queue (an API down over a long weekend)"),
  EVIDENCE_SWEEP_SECONDS: z.coerce.number().int().min(1).max(86_400).default(600).describe('how often retention runs'),
});

export type EvidenceOptions = z.output<typeof evidenceEnvSchema>;

export function loadEvidenceOptions(env: Record<string, string | undefined>): EvidenceOptions {
  return parseEnvOptions(evidenceEnvSchema, env, 'evidence');
}

export const EVIDENCE_OPTIONS = Symbol('evidence options');

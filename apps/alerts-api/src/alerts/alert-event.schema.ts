import { z } from 'zod';
import type { AlertEvent } from '@xl/contracts';

// Runtime check of AlertEvent jobs: the queue is a trust boundary (any producer can add a job), and
// a malformed event must fail loudly instead of storing half an alert. Unknown keys are dropped so
// that a newer analyzer can add fields without breaking an older API.

const epochMs = z.number().int().min(0).max(8.64e15);
/**
 * Free text from the analyzer (its message quotes zone and camera names). PostgreSQL cannot store
 * NUL, and an alert must not be lost over one character: NULs are dropped, not refused.
 */
const text = (max: number) => z.string().max(max).transform((value) => value.replaceAll('\u0000', ''));
const box = z.tuple([z.number(), z.number(), z.number(), z.number()]);

export const alertEventSchema = z.object({
  alertId: z.string().min(1).max(256),
  kind: z.enum(['created', 'updated', 'ended']),
  cameraId: z.string().min(1).max(64),
  ruleId: z.string().min(1).max(128),
  rule: z.enum(['zone_enter', 'dwell', 'vanish_in_water', 'crowd', 'line_cross', 'camera_covered', 'camera_blurred', 'camera_frozen', 'camera_moved', 'camera_offline']),
  severity: z.enum(['info', 'warning', 'major', 'critical']),
  zoneId: z.string().min(1).max(64).optional(),
  trackId: z.number().int().optional(),
  startedAt: epochMs,
  capturedAt: epochMs,
  score: z.number().min(0).max(1),
  boxes: z
    .array(z.object({ box, label: z.string().max(64), score: z.number().min(0).max(1), trackId: z.number().int().optional() }))
    .max(500),
  message: text(2000),
  snapshotPath: z.string().min(1).max(1024).optional(),
  relatedAlertId: z.string().min(1).max(256).optional(),
  streamDelaySeconds: z.number().min(0).max(86_400).optional(),
}) satisfies z.ZodType<AlertEvent, unknown>;

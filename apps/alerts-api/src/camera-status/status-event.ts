import { z } from 'zod';
import { OFFLINE_REASONS, type CameraStatusEvent } from '@xl/contracts';

const eventSchema = z.object({
  cameraId: z.string().min(1).max(64),
  status: z.enum(['online', 'offline', 'recovered']),
  reason: z.enum(OFFLINE_REASONS).optional(),
  detail: z.string().max(2000).optional(),
  at: z.coerce.number().int().min(0),
  ingestId: z.string().max(128).default('unknown'),
});

/**
 * A CAMERA_STATUS_STREAM entry as a CameraStatusEvent. Accepted layouts: one field holding the JSON
 * event (any field name, e.g. `event`), or one field per property (`cameraId`, `status`, `at`, …).
 * Returns null for an entry that is neither (logged and skipped by the consumer).
 */
export function parseStatusEntry(fields: string[]): CameraStatusEvent | null {
  const flat: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) flat[fields[i]] = fields[i + 1];
  const values = Object.values(flat);
  if (values.length === 1 && values[0].trimStart().startsWith('{')) {
    try {
      const parsed = eventSchema.safeParse(JSON.parse(values[0]));
      return parsed.success ? (parsed.data as CameraStatusEvent) : null;
    } catch {
      return null;
    }
  }
  const parsed = eventSchema.safeParse(Object.fromEntries(Object.entries(flat).filter(([, v]) => v !== '')));
  return parsed.success ? (parsed.data as CameraStatusEvent) : null;
}

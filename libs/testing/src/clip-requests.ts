import type { ClipRequest } from '@xl/contracts';

/** A clip request for camera `pond` with fixed times, for specs that only vary the alert. */
export const clipRequest = (alertId: string, overrides: Partial<ClipRequest> = {}): ClipRequest => ({
  alertId,
  cameraId: 'pond',
  startedAt: 1000,
  lastAt: 2000,
  snapshotAt: 2000,
  requestedAt: 3000,
  ...overrides,
});

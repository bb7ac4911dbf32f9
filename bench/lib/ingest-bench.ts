// What bench/ingest.ts and its floor processes (bench/lib/floor-child.ts) share: the cameras they read
// — the harness's test camera with a watchdog patient enough for 32 cameras starting on 2 cores — and
// the floor modes.
import type { CameraConfig } from '@xl/config';
import { testCamera } from '../../apps/ingest/src/testing/harness';

const WATCHDOG = { stallSeconds: 6, ioTimeoutSeconds: 5, backoffInitialSeconds: 1, backoffMaxSeconds: 10 };

export function benchCamera(id: string, url: string, fps: number): CameraConfig {
  return testCamera(id, url, { fps, watchdog: WATCHDOG });
}

/** Ingest reduced to reading frames, to reading them and SETting the published ones, to those SETs alone. */
export const FLOOR_MODES = ['read', 'read+upload', 'upload'] as const;
export type FloorMode = (typeof FLOOR_MODES)[number];

import { readFile } from 'node:fs/promises';
import { parseCameraFile, type CameraConfig } from '@xl/config';
import type { Logger } from '@xl/observability';
import type { CameraConfigStore } from '@xl/queue';
import type { CameraSource } from '../ports';

/** Cameras from a YAML/JSON file (standalone use). Read at start; SIGHUP-free: restart to change. */
export class FileCameraSource implements CameraSource {
  constructor(private readonly path: string) {}

  async load(): Promise<CameraConfig[]> {
    return parseCameraFile(await readFile(this.path, 'utf8'), this.path);
  }

  async watch(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
}

/** Cameras from the configuration alerts-api publishes to Redis; follows its change announcements. */
export class RedisCameraSource implements CameraSource {
  constructor(
    private readonly store: CameraConfigStore,
    private readonly log: Logger,
  ) {}

  async load(): Promise<CameraConfig[]> {
    const { cameras, errors } = await this.store.load();
    // One bad entry must not stop the others: it is left out, loudly.
    for (const e of errors) this.log.error({ camera: e.cameraId, err: e.message }, 'invalid published camera configuration; camera not ingested');
    return cameras;
  }

  async watch(onChange: () => void): Promise<() => Promise<void>> {
    const subscription = await this.store.subscribe(() => onChange());
    return () => subscription.close();
  }
}

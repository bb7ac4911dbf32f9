import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import type { PushOptions } from '../../app.module';
import { startApiInstance, type ApiInstance } from '../../realtime/testing/api-instance';
import { deleteKeys } from '../../realtime/testing/push-harness';
import { loadSettings } from '../../settings';
import { ADMIN, type TestApp } from '../../testing/test-app';
import { createWorld } from '../../testing/world';

/** The JWT signing secret of the listening API (tests forge tokens with and without it). */
export const TEST_JWT_SECRET = 'a-shared-secret-of-at-least-32-characters';

export interface ListeningApi {
  api: ApiInstance;
  snapshotDir: string;
  close(): Promise<void>;
}

/** One alerts-api from createApp listening on 127.0.0.1 (REST and /ws), SQLite file, the test world created. */
export async function startListeningApi(push: PushOptions = { realtime: { heartbeatMs: 5000 } }): Promise<ListeningApi> {
  const dir = mkdtempSync(path.join(tmpdir(), 'xl-security-'));
  const prefix = uniquePrefix('security');
  const settings = loadSettings({
    DATABASE_URL: `sqlite:${path.join(dir, 'api.db')}`,
    REDIS_URL: testRedisUrl(),
    REDIS_KEY_PREFIX: `${prefix}:`,
    QUEUE_PREFIX: `${prefix}-q`,
    JWT_SECRET: TEST_JWT_SECRET,
    SNAPSHOT_DIR: dir,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
  });
  const api = await startApiInstance(settings, push, ADMIN.password);
  await createWorld(api.world as TestApp);
  return {
    api,
    snapshotDir: dir,
    async close() {
      await api.close();
      const redis = new Redis(testRedisUrl());
      await deleteKeys(redis, prefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { createApp, type CreateAppOptions } from '../app.factory';
import type { DatabaseKind } from '../db/database';
import { loadSettings, type Settings } from '../settings';
import { createTestDatabase, type TestDatabase } from './test-databases';

export const ADMIN = { username: 'admin', password: 'admin-password-1' };

export interface TestApp {
  app: INestApplication;
  settings: Settings;
  http: ReturnType<typeof request>;
  redis: Redis;
  snapshotDir: string;
  /** Access token of a user (logs in once per name and caches it). */
  token(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * One alerts-api per test file and database: its own database (SQLite in memory or a fresh
 * PostgreSQL database), Redis key and queue prefixes, snapshot directory; the admin user exists.
 */
export async function startTestApp(kind: DatabaseKind, env: Record<string, string> = {}, options: CreateAppOptions = {}): Promise<TestApp> {
  const database: TestDatabase = await createTestDatabase(kind);
  const snapshotDir = mkdtempSync(path.join(tmpdir(), 'xl-snapshots-'));
  mkdirSync(snapshotDir, { recursive: true });
  const keyPrefix = `${uniquePrefix('api')}:`;
  const settings = loadSettings({
    DATABASE_URL: database.url,
    REDIS_URL: testRedisUrl(),
    KEY_PREFIX: keyPrefix,
    QUEUE_PREFIX: uniquePrefix('apiq'),
    JWT_SECRET: 'test-secret-test-secret-test-secret!',
    SNAPSHOT_DIR: snapshotDir,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: process.env.XL_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const app = await createApp(settings, { docs: env.XL_TEST_DOCS === '1', ...options });
  await app.init();
  const http = request(app.getHttpServer());
  const redis = new Redis(settings.redisUrl);
  const tokens = new Map<string, string>();
  return {
    app,
    settings,
    http,
    redis,
    snapshotDir,
    async token(username, password) {
      const cached = tokens.get(username);
      if (cached) return cached;
      const res = await http.post('/auth/login').send({ username, password: password ?? (username === ADMIN.username ? ADMIN.password : `${username}-password`) });
      if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      tokens.set(username, res.body.accessToken);
      return res.body.accessToken as string;
    },
    async close() {
      await app.close();
      for (const prefix of [settings.redisKeyPrefix, settings.queuePrefix]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      }
      redis.disconnect();
      await database.drop();
      rmSync(snapshotDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

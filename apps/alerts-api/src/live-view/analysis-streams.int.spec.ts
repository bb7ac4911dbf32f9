import '../testing/nest-esm';
import { Redis } from 'ioredis';
import { CAMERA_STATUS_STREAM } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { CameraStatusRepository, type CameraStatusRecord } from '../camera-status/camera-status.repository';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../db/database';
import type { Settings } from '../settings';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../testing/test-databases';
import { AnalysisStreams } from './analysis-streams';

describe.each(DATABASE_KINDS)('AnalysisStreams at start (real Redis, %s)', (kind) => {
  const redis = new Redis(testRedisUrl());
  const prefix = `${uniquePrefix('analysis')}:`;
  const streamKey = `${prefix}${CAMERA_STATUS_STREAM}`;
  let database: TestDatabase;
  let handle: DatabaseHandle;

  const stored = (cameraId: string, status: 'online' | 'offline', reason: string | null): CameraStatusRecord => ({
    cameraId,
    status,
    reason,
    detail: reason === 'busy' ? 'method SETUP failed: 503 Service Unavailable' : null,
    since: 1_764_000_000_000,
    offlineSince: status === 'offline' ? 1_764_000_000_000 : null,
    ingestId: 'ingest-1',
    updatedAt: 1_764_000_000_000,
    recoveredFrom: null, stableMs: null,
    outageDrops: status === 'offline' ? 1 : 0,
  });
  const report = (cameraId: string, status: string, reason?: string) => redis.xadd(streamKey, '*', 'event', JSON.stringify({ cameraId, status, reason, at: Date.now(), ingestId: 'ingest-1' }));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    handle = openDatabase(database.url);
    await migrateToLatest(handle.db);
  });
  afterAll(async () => {
    await redis.del(streamKey);
    await redis.quit();
    await handle?.close();
    await database?.drop();
  });

  it('waits for a camera stored as refused busy whose entry the stream no longer holds; the stream wins where it has one', async () => {
    const statuses = new CameraStatusRepository(handle.db);
    await statuses.save(stored('pond', 'offline', 'busy')); // its entry trimmed from the stream long ago
    await statuses.save(stored('river', 'offline', 'busy'));
    await statuses.save(stored('creek', 'offline', 'refused'));
    await statuses.save(stored('lake', 'online', null));
    await report('river', 'recovered'); // newer than the stored row (CameraStatusService lags)
    await report('sea', 'offline', 'busy'); // not stored yet
    const streams = new AnalysisStreams(redis, handle.db, { redisKeyPrefix: prefix } as Settings, createLogger('test', 'silent'));
    const refused: string[] = [];
    streams.onRefused((cameraId) => refused.push(cameraId));
    streams.start();
    try {
      for (const deadline = Date.now() + 5000; refused.length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(refused).toEqual(['pond', 'sea']);
      expect(['pond', 'river', 'creek', 'lake', 'sea', 'unknown'].filter((id) => streams.isWaiting(id))).toEqual(['pond', 'sea']);
      await report('pond', 'recovered');
      for (const deadline = Date.now() + 5000; streams.isWaiting('pond') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(streams.isWaiting('pond')).toBe(false);
    } finally {
      await streams.onModuleDestroy();
    }
  });
});

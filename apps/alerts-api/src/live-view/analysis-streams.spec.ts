import '../testing/nest-esm';
import type { CameraStatusEvent } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import type { RedisClient } from '@xl/queue';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Settings } from '../settings';
import { AnalysisStreams } from './analysis-streams';

describe('AnalysisStreams', () => {
  // The follower touches Redis and the database only once started; apply() is what it calls with each entry.
  const make = () => new AnalysisStreams({} as RedisClient, {} as Kysely<Database>, { redisKeyPrefix: 'x:' } as Settings, createLogger('test', 'silent'));
  const event = (cameraId: string, status: CameraStatusEvent['status'], reason?: CameraStatusEvent['reason']): CameraStatusEvent => ({ cameraId, status, reason, at: 1, ingestId: 'i' });

  it('holds a camera from its busy refusal until any other status, telling the listeners once per refusal', () => {
    const streams = make();
    const refused: string[] = [];
    streams.onRefused((id) => refused.push(id));
    streams.apply(event('pond', 'offline', 'busy'));
    streams.apply(event('pond', 'offline', 'busy')); // ingest says so again (e.g. its entry read twice)
    expect(streams.isWaiting('pond')).toBe(true);
    expect(streams.isWaiting('river')).toBe(false);
    expect(refused).toEqual(['pond']);
    streams.apply(event('pond', 'recovered'));
    expect(streams.isWaiting('pond')).toBe(false);
    streams.apply(event('pond', 'offline', 'busy'));
    expect(refused).toEqual(['pond', 'pond']);
    // Another outage reason: analysis is not waiting for a free stream then (the camera is gone or wrong).
    streams.apply(event('pond', 'offline', 'refused'));
    expect(streams.isWaiting('pond')).toBe(false);
  });
});

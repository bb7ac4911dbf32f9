import { Redis } from 'ioredis';
import { testRedisUrl, uniquePrefix } from '@xl/testing';
import { eventLogKeys, type LogEvent } from '../realtime/event-log';
import { deleteKeys, pushEvent } from '../realtime/testing/push-harness';
import { scopes } from '../realtime/testing/test-auth';
import { RetainedStatusGuard } from './retained-status';

describe('RetainedStatusGuard (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let guard: RetainedStatusGuard;
  let key: string;

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('retained');
    key = eventLogKeys(prefix).mqttRetainedStatus;
    guard = new RetainedStatusGuard(redis, key);
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const status = (seq: number, cameraId: string, value: string) =>
    ({ seq, at: 0, ...pushEvent({ ...scopes.riverB, cameraId }, { cameraId, status: value }, 'camera.status') }) as LogEvent;
  const alert = (seq: number) => ({ seq, at: 0, ...pushEvent(scopes.schoolPond, { id: `a${seq}` }) }) as LogEvent;

  it("retains a camera's newest status only: an older one published again after it (a claimed entry) is not", async () => {
    expect(await guard.newest([status(100, 'cam-1', 'offline'), status(101, 'cam-2', 'online'), alert(102)])).toEqual(new Set([100, 101]));
    expect(await guard.newest([status(105, 'cam-1', 'online')])).toEqual(new Set([105]));
    // A dead instance's batch, claimed a minute later: cam-1's offline is older than its online.
    expect(await guard.newest([status(100, 'cam-1', 'offline'), status(101, 'cam-2', 'online')])).toEqual(new Set([101]));
    // The same status again (the broker did not acknowledge it the first time) stays retainable.
    expect(await guard.newest([status(105, 'cam-1', 'online')])).toEqual(new Set([105]));
  });

  it('keeps the order within a batch: of two statuses of one camera both go out retained, the later last', async () => {
    expect(await guard.newest([status(7, 'cam-1', 'offline'), status(9, 'cam-1', 'online')])).toEqual(new Set([7, 9]));
    expect(await guard.newest([status(8, 'cam-1', 'recovered')])).toEqual(new Set());
  });

  it('names the cameras whose recorded newest status is newer than the one just published, with its payload', async () => {
    await guard.newest([status(10, 'cam-1', 'online'), status(11, 'cam-2', 'online')]);
    expect(await guard.newerThan(new Map([['cam-1', 10], ['cam-2', 11]]))).toEqual([]);
    // Another instance records a newer status of cam-1 while this one's publish of seq 10 waits.
    await guard.newest([status(12, 'cam-1', 'offline')]);
    expect(await guard.newerThan(new Map([['cam-1', 10], ['cam-2', 11], ['cam-3', 5]]))).toEqual([
      { cameraId: 'cam-1', seq: 12, payload: JSON.stringify({ seq: 12, type: 'camera.status', data: { cameraId: 'cam-1', status: 'offline' } }) },
    ]);
    expect(await guard.newerThan(new Map())).toEqual([]);
  });

  it('works on a hash written by the previous version (seqs only), and keeps the seq where that version reads it', async () => {
    await redis.hset(key, 'cam-1', '20'); // recorded before 2026-12-03: no payload
    expect(await guard.newest([status(18, 'cam-1', 'online')])).toEqual(new Set());
    // Newer than it recorded, the payload is unknown: nothing to publish again.
    expect(await guard.newerThan(new Map([['cam-1', 18]]))).toEqual([]);
    expect(await guard.newest([status(22, 'cam-1', 'offline')])).toEqual(new Set([22]));
    expect(await redis.hget(key, 'cam-1')).toBe('22'); // what an instance of the previous version compares with
    // During a rolling deploy such an instance records a newer seq without its payload: the payload
    // kept is not the newest, so it is not published again over that instance's.
    await redis.hset(key, 'cam-1', '25');
    expect(await guard.newerThan(new Map([['cam-1', 22]]))).toEqual([]);
  });
});

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

  beforeEach(() => {
    redis = new Redis(testRedisUrl());
    prefix = uniquePrefix('retained');
    guard = new RetainedStatusGuard(redis, eventLogKeys(prefix).mqttRetainedStatus);
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
});

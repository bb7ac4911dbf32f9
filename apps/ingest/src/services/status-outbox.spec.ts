import type { CameraStatusEvent } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import { keepForLater, StatusOutbox } from './status-outbox';

const log = createLogger('test', 'silent');
const ev = (cameraId: string, status: CameraStatusEvent['status'], at: number, reason?: CameraStatusEvent['reason']): CameraStatusEvent => ({
  cameraId,
  status,
  at,
  ingestId: 'ingest-a',
  ...(reason ? { reason } : {}),
});

/** The status stream in Redis; `down` makes every XADD fail as ioredis does once its retries are spent. */
function setup() {
  const stream: CameraStatusEvent[] = [];
  const state = { down: false };
  const metrics = new IngestMetrics();
  const status = {
    publish: jest.fn(async (e: CameraStatusEvent) => {
      if (state.down) throw new Error('Reached the max retries per request limit (which is 20)');
      stream.push(e);
    }),
  };
  const outbox = new StatusOutbox({ status, metrics, log }, { retryMs: 1000, retryMaxMs: 4000 });
  const unpublished = async () => (await metrics.statusUnpublished.get()).values[0]?.value;
  return { outbox, stream, state, unpublished };
}

describe('StatusOutbox', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('publishes each camera\'s events in order while Redis answers', async () => {
    const { outbox, stream } = setup();
    outbox.report(ev('a', 'online', 1));
    outbox.report(ev('b', 'online', 2));
    outbox.report(ev('a', 'offline', 3, 'refused'));
    await jest.advanceTimersByTimeAsync(0);
    expect(stream.filter((e) => e.cameraId === 'a').map((e) => e.status)).toEqual(['online', 'offline']);
    expect(stream).toHaveLength(3);
  });

  it('keeps the latest state of each camera through an outage longer than ioredis retries, and publishes it with its own time once Redis is back', async () => {
    const { outbox, stream, state, unpublished } = setup();
    state.down = true;
    outbox.report(ev('pond', 'offline', 1_000, 'timeout')); // went down during the outage...
    outbox.report(ev('pond', 'recovered', 9_000)); // ...and came back before Redis did
    outbox.report(ev('beach', 'offline', 2_000, 'refused')); // still down
    outbox.report(ev('beach', 'offline', 3_000, 'not_found'));
    outbox.report(ev('lake', 'online', 4_000));
    await jest.advanceTimersByTimeAsync(30_000);
    expect(stream).toEqual([]);
    expect(await unpublished()).toBe(3);
    state.down = false;
    await jest.advanceTimersByTimeAsync(4_000);
    const of = (id: string) => stream.filter((e) => e.cameraId === id).map((e) => [e.status, e.at]);
    expect(of('pond')).toEqual([
      ['offline', 1_000], // the outage is not lost...
      ['recovered', 9_000], // ...and the camera is not left offline
    ]);
    expect(of('beach')).toEqual([
      ['offline', 2_000],
      ['offline', 3_000],
    ]);
    expect(of('lake')).toEqual([['online', 4_000]]);
    expect(await unpublished()).toBe(0);
  });

  it('keeps only what matters of a long run of unpublished events', () => {
    const run = [ev('c', 'online', 1), ev('c', 'offline', 2, 'stalled'), ev('c', 'recovered', 3), ev('c', 'offline', 4, 'refused'), ev('c', 'recovered', 5)];
    expect(keepForLater(run).map((e) => e.at)).toEqual([2, 5]);
    expect(keepForLater(run.slice(0, 1)).map((e) => e.at)).toEqual([1]);
    expect(keepForLater(run.slice(0, 2)).map((e) => e.at)).toEqual([2]);
  });

  it('on close, publishes what it can within its bound', async () => {
    const { outbox, stream, state } = setup();
    state.down = true;
    outbox.report(ev('pond', 'offline', 1, 'exited'));
    await jest.advanceTimersByTimeAsync(0);
    state.down = false;
    await outbox.close(1000);
    expect(stream.map((e) => e.status)).toEqual(['offline']);
    state.down = true;
    outbox.report(ev('pond', 'recovered', 2));
    const closing = outbox.close(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await closing; // gives up after its bound
    expect(stream).toHaveLength(1);
  });
});

import type { CameraStatusEvent } from '@xl/contracts';
import { createLogger } from '@xl/observability';
import { IngestMetrics } from '../metrics';
import { keepForLater, MAX_KEPT_EVENTS, StatusOutbox } from './status-outbox';

const log = createLogger('test', 'silent');
const ev = (cameraId: string, status: CameraStatusEvent['status'], at: number, reason?: CameraStatusEvent['reason']): CameraStatusEvent => ({
  cameraId,
  status,
  at,
  ingestId: 'ingest-a',
  ...(reason ? { reason } : {}),
});

/**
 * The status stream in Redis; `down` makes every MULTI fail as ioredis does once its retries are
 * spent; `answering` holds each answer until it resolves (a slow Redis).
 */
function setup() {
  const stream: CameraStatusEvent[] = [];
  const state = { down: false, answering: Promise.resolve(), lastAnswer: Promise.resolve() };
  const metrics = new IngestMetrics();
  const status = {
    publish: jest.fn((events: CameraStatusEvent[]) => {
      state.lastAnswer = state.answering.then(() => {
        if (state.down) throw new Error('Reached the max retries per request limit (which is 20)');
        stream.push(...events);
      });
      return state.lastAnswer;
    }),
  };
  const outbox = new StatusOutbox({ status, metrics, log }, { retryMs: 1000, retryMaxMs: 4000 });
  const unpublished = async () => (await metrics.statusUnpublished.get()).values[0]?.value;
  return { outbox, stream, state, unpublished, status };
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

  it('keeps every change between offline and online, and of a run of offline events the first and the latest', () => {
    const run = [ev('c', 'online', 1), ev('c', 'offline', 2, 'stalled'), ev('c', 'recovered', 3), ev('c', 'offline', 4, 'refused'), ev('c', 'recovered', 5)];
    expect(keepForLater(run).map((e) => e.at)).toEqual([1, 2, 3, 4, 5]);
    expect(keepForLater(run.slice(0, 1)).map((e) => e.at)).toEqual([1]);
    const down = [ev('c', 'offline', 1, 'stalled'), ev('c', 'offline', 2, 'refused'), ev('c', 'offline', 3, 'timeout'), ev('c', 'recovered', 4)];
    expect(keepForLater(down).map((e) => [e.at, e.reason])).toEqual([
      [1, 'stalled'], // when the outage began
      [3, 'timeout'], // its latest reason
      [4, undefined],
    ]);
  });

  // 2026-12-02: [offline(a), recovered, offline(b)] was kept as [offline(a), offline(b)]: alerts-api,
  // seeing no recovery, counted the camera offline since a.
  it('keeps a recovery that came before a later offline, so that the later outage counts from its own start', () => {
    const kept = keepForLater([ev('c', 'offline', 1_000, 'stalled'), ev('c', 'recovered', 2_000), ev('c', 'offline', 600_000, 'refused')]);
    expect(kept.map((e) => [e.status, e.at])).toEqual([
      ['offline', 1_000],
      ['recovered', 2_000],
      ['offline', 600_000],
    ]);
  });

  it("bounds a flapping camera's events, dropping its oldest whole outages and keeping its state", () => {
    const flaps = Array.from({ length: 100 }, (_, i) => [ev('c', 'offline', 10 * i + 1, 'stalled'), ev('c', 'recovered', 10 * i + 2)]).flat();
    const kept = keepForLater([...flaps, ev('c', 'offline', 5_000, 'refused')]);
    expect(kept.length).toBeLessThanOrEqual(MAX_KEPT_EVENTS);
    expect(kept.map((e) => e.status)).toEqual(kept.map((_, i) => (i % 2 === 0 ? 'offline' : 'recovered')));
    expect(kept.at(-1)).toMatchObject({ status: 'offline', at: 5_000 });
    expect(kept.at(-2)).toMatchObject({ status: 'recovered', at: 992 }); // the latest outages stay
  });

  it('publishes a camera\'s kept events in one call (one MULTI), in order: an outage over during the gap arrives whole', async () => {
    const { outbox, stream, state, status } = setup();
    state.down = true;
    outbox.report(ev('pond', 'offline', 1_000, 'timeout'));
    outbox.report(ev('pond', 'recovered', 9_000));
    outbox.report(ev('pond', 'offline', 20_000, 'refused'));
    await jest.advanceTimersByTimeAsync(10_000);
    state.down = false;
    await jest.advanceTimersByTimeAsync(4_000);
    expect(stream.map((e) => [e.status, e.at])).toEqual([
      ['offline', 1_000],
      ['recovered', 9_000],
      ['offline', 20_000],
    ]);
    expect(status.publish.mock.calls.at(-1)![0]).toHaveLength(3);
  });

  // 2026-12-02: `flushing` was cleared only in its .finally: an event reported after the last publish
  // answered but before that ran joined a flush that was over, and waited for the next event.
  it('publishes an event reported while a flush was finishing', async () => {
    const { outbox, stream, state } = setup();
    let answer!: () => void;
    state.answering = new Promise<void>((resolve) => (answer = resolve));
    outbox.report(ev('pond', 'online', 1));
    await jest.advanceTimersByTimeAsync(0);
    void state.lastAnswer.then(() => outbox.report(ev('beach', 'online', 2))); // after the flush saw nothing left
    answer();
    await jest.advanceTimersByTimeAsync(0);
    expect(stream.map((e) => e.cameraId)).toEqual(['pond', 'beach']);
    expect(outbox.unpublished).toBe(0);
  });

  describe('close', () => {
    it('tries again within its bound, and resolves once everything is out', async () => {
      const { outbox, stream, state, status } = setup();
      state.down = true;
      outbox.report(ev('pond', 'offline', 1, 'exited'));
      await jest.advanceTimersByTimeAsync(20_000); // a long outage: the back-off is at its longest (4 s)
      const tries = status.publish.mock.calls.length;
      let closed = false;
      void outbox.close(2_000).then(() => (closed = true));
      await jest.advanceTimersByTimeAsync(0);
      expect(status.publish.mock.calls.length).toBe(tries + 1); // at once, not when the back-off would have
      state.down = false;
      await jest.advanceTimersByTimeAsync(1_000); // tried again within the bound
      expect(stream.map((e) => e.status)).toEqual(['offline']);
      expect(closed).toBe(true);
    });

    it('leaves no timer behind, and publishes nothing reported after it', async () => {
      const { outbox, stream, state, status } = setup();
      state.down = true;
      outbox.report(ev('pond', 'offline', 1, 'exited'));
      await jest.advanceTimersByTimeAsync(0);
      const closing = outbox.close(1_500);
      await jest.advanceTimersByTimeAsync(1_500);
      await closing;
      expect(jest.getTimerCount()).toBe(0); // before: the retry timer outlived close()
      state.down = false;
      const tries = status.publish.mock.calls.length;
      outbox.report(ev('pond', 'recovered', 2)); // before: restarted flushing after shutdown
      await jest.advanceTimersByTimeAsync(10_000);
      expect(status.publish.mock.calls.length).toBe(tries);
      expect(stream).toEqual([]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  it('on close, publishes what it can within its bound', async () => {
    const { outbox, stream, state } = setup();
    state.down = true;
    outbox.report(ev('pond', 'offline', 1, 'exited'));
    await jest.advanceTimersByTimeAsync(0);
    state.down = false;
    await outbox.close(1000);
    expect(stream.map((e) => e.status)).toEqual(['offline']);
    const later = setup();
    later.state.down = true;
    later.outbox.report(ev('pond', 'recovered', 2));
    const closing = later.outbox.close(1000);
    await jest.advanceTimersByTimeAsync(1000);
    await closing; // gives up after its bound
    expect(later.stream).toHaveLength(0);
  });
});

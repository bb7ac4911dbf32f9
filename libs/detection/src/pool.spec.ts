// A stand-in for node:worker_threads' Worker that the test drives: it never runs a model.
jest.mock('node:worker_threads', () => {
  const { EventEmitter } = jest.requireActual('node:events');
  const created: unknown[] = [];
  class FakeWorker extends EventEmitter {
    posted: unknown[] = [];
    terminated = false;
    /** Hung in native code: terminate() never completes and no 'exit' comes. */
    stuck = false;
    constructor() {
      super();
      created.push(this);
    }
    postMessage(msg: unknown): void {
      this.posted.push(msg);
    }
    terminate(): Promise<number> {
      if (this.stuck) return new Promise<number>(() => undefined);
      if (!this.terminated) {
        this.terminated = true;
        setImmediate(() => this.emit('exit', 1));
      }
      return Promise.resolve(1);
    }
  }
  return { ...jest.requireActual('node:worker_threads'), Worker: FakeWorker, created };
});

type FakeWorker = import('node:events').EventEmitter & { posted: Array<{ type: string }>; terminated: boolean; stuck: boolean };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const workers: FakeWorker[] = require('node:worker_threads').created;
import type { LoadedModel } from './manifest';
import { PoolDetector } from './pool';

const model = { manifest: { name: 'fake', input: { shape: [1, 3, 32, 32] } }, modelPath: '/nonexistent' } as unknown as LoadedModel;
const frame = () => ({ data: new Uint8Array(32 * 32 * 3), width: 32, height: 32, letterbox: { srcWidth: 32, srcHeight: 32, scale: 1, padX: 0, padY: 0 } });
const settled = (p: Promise<unknown>) => {
  const s = { state: 'pending' as 'pending' | 'resolved' | 'rejected', error: '' };
  p.then(() => (s.state = 'resolved'), (e: Error) => ((s.state = 'rejected'), (s.error = e.message)));
  return s;
};

/** A one-worker pool whose worker became ready at once. */
async function readyPool(options: Parameters<typeof PoolDetector.create>[1], hooks?: Parameters<typeof PoolDetector.create>[2]): Promise<PoolDetector> {
  const creating = PoolDetector.create(model, { size: 1, ...options }, hooks);
  workers[workers.length - 1].emit('message', { type: 'ready' });
  return creating;
}

describe('PoolDetector restart of a hung worker', () => {
  beforeEach(() => workers.splice(0));
  afterEach(() => jest.useRealTimers());

  it('does not leave queued frames waiting for good when the restarted worker never becomes ready (the device still stuck)', async () => {
    jest.useFakeTimers();
    const errors: string[] = [];
    const pool = await readyPool({ runTimeoutMs: 1000, startTimeoutMs: 5000 }, { onWorkerError: (err) => errors.push(err.message) });

    // The frame's run hangs in native code (a stuck CUDA device): the watchdog fails it and restarts the worker.
    const first = settled(pool.detect(frame()));
    await jest.advanceTimersByTimeAsync(1010);
    expect(first.state).toBe('rejected');
    expect(workers).toHaveLength(2);
    // The new worker's session creation hangs on the same device: it never posts 'ready' nor exits.

    const second = settled(pool.detect(frame()));
    await jest.advanceTimersByTimeAsync(4980);
    expect(second.state).toBe('pending'); // within the start limit: waits for the worker
    await jest.advanceTimersByTimeAsync(30);
    expect(second.state).toBe('rejected'); // was 'pending' after 10 minutes, and for good
    expect(second.error).toBe('detector worker 0 did not start within 5000 ms (hung?)');
    expect(errors).toEqual(['no answer within 1000 ms (hung?)', 'detector worker 0 did not start within 5000 ms (hung?)']);
    expect(workers[1].terminated).toBe(true);
    await jest.advanceTimersByTimeAsync(10 * 60_000); // ten minutes
    expect(workers.length).toBeGreaterThanOrEqual(3); // the hung start is given up and tried again, with back-off
    expect(workers.length).toBeLessThanOrEqual(2 + Math.ceil((10 * 60_000) / 5000));
    expect(pool.stats()).toMatchObject({ alive: 0, queued: 0 });
    await pool.close();
  });

  it('gives up a worker that never becomes ready at start instead of waiting for ever', async () => {
    jest.useFakeTimers();
    const creating = settled(PoolDetector.create(model, { size: 1, runTimeoutMs: 1000, startTimeoutMs: 5000 }));
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(creating.state).toBe('rejected'); // was 'pending'; the analyzer never started and never exited
    expect(creating.error).toBe('detector worker 0 did not start within 5000 ms (hung?)');
    expect(workers).toHaveLength(1); // create() does not retry: the service fails and is restarted
    expect(workers[0].terminated).toBe(true);
  });

  it('gives up a hung start after 120 s by default', async () => {
    jest.useFakeTimers();
    const creating = settled(PoolDetector.create(model, { size: 1 }));
    await jest.advanceTimersByTimeAsync(119_990);
    expect(creating.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(20);
    expect(creating.error).toBe('detector worker 0 did not start within 120000 ms (hung?)');
  });

  it('keeps a worker that becomes ready in time, and ignores a ready that comes after the limit', async () => {
    jest.useFakeTimers();
    const errors: string[] = [];
    const creating = PoolDetector.create(model, { size: 2, startTimeoutMs: 5000 }, { onWorkerError: (err) => errors.push(err.message) });
    workers[0].emit('message', { type: 'ready' });
    await jest.advanceTimersByTimeAsync(5010);
    workers[1].emit('message', { type: 'ready' }); // too late: already given up and terminated
    await expect(creating).rejects.toThrow('detector worker 1 did not start within 5000 ms (hung?)');
    expect(errors).toEqual([]);

    // A pool whose workers start in time: the limit never fires afterwards.
    workers.splice(0);
    const pool = PoolDetector.create(model, { size: 1, startTimeoutMs: 5000 }, { onWorkerError: (err) => errors.push(err.message) });
    workers[0].emit('message', { type: 'ready' });
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(errors).toEqual([]);
    expect(workers).toHaveLength(1);
    expect(workers[0].terminated).toBe(false);
    const detector = await pool;
    const running = settled(detector.detect(frame()));
    expect(workers[0].posted.map((m) => m.type)).toEqual(['detect']);
    const closing = settled(detector.close());
    await jest.advanceTimersByTimeAsync(5010); // the running frame's grace
    expect(closing.state).toBe('resolved');
    expect(running.error).toBe('detector pool closed');
  });

  it('restarts a worker that dies soon after it became ready at once the first time, then with back-off; one that ran for a while at once again', async () => {
    jest.useFakeTimers();
    const pool = await readyPool({ startTimeoutMs: 5000 });
    /** The newest worker becomes ready, then crashes on its first frame after `afterMs`. */
    const readyThenCrash = async (afterMs: number) => {
      workers[workers.length - 1].emit('message', { type: 'ready' });
      await jest.advanceTimersByTimeAsync(afterMs);
      workers[workers.length - 1].emit('exit', 134); // a model that crashes on real frames
      await jest.advanceTimersByTimeAsync(0);
    };
    // Dies 1 s after becoming ready: restarted at once.
    await readyThenCrash(1000);
    expect(workers).toHaveLength(2);
    // Again soon after: the restart waits 1 s, the next 2 s (before: at once every time, a crash loop).
    await readyThenCrash(1000);
    expect(workers).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1000);
    expect(workers).toHaveLength(3);
    await readyThenCrash(1000);
    await jest.advanceTimersByTimeAsync(1990);
    expect(workers).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(10);
    expect(workers).toHaveLength(4);
    // One that served for over a minute before it died is restarted at once again.
    await readyThenCrash(61_000);
    expect(workers).toHaveLength(5);
    workers[4].emit('message', { type: 'ready' });
    const closing = settled(pool.close());
    await jest.advanceTimersByTimeAsync(10_000);
    expect(closing.state).toBe('resolved');
  });

  it('close() does not wait for ever on a worker hung in native code (terminate() never completes)', async () => {
    jest.useFakeTimers();
    const pool = await readyPool({ runTimeoutMs: 60_000 });
    const running = settled(pool.detect(frame()));
    workers[0].stuck = true;
    const closing = settled(pool.close());
    await jest.advanceTimersByTimeAsync(9_990); // 5 s for the running frame, 5 s for the worker to stop
    expect(closing.state).toBe('pending');
    await jest.advanceTimersByTimeAsync(20);
    expect(closing.state).toBe('resolved');
    expect(running.error).toBe('detector pool closed');
  });
});

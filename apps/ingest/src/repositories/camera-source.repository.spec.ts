import { parseCamera } from '@xl/config';
import { createLogger } from '@xl/observability';
import type { CameraConfigStore } from '@xl/queue';
import { RedisCameraSource } from './camera-source.repository';

const log = createLogger('test', 'silent');

/** The published configuration: a revision counter and whatever the hash holds; announcements are the test's to send or lose. */
function fakeStore() {
  const state = { revision: 3, down: false, announce: null as null | (() => void), reads: [] as string[], cameraIds: ['pond'] };
  const store = {
    revision: jest.fn(async () => {
      if (state.down) throw new Error('connect ECONNREFUSED');
      state.reads.push('revision');
      return state.revision;
    }),
    load: jest.fn(async () => {
      state.reads.push('cameras');
      if (!state.cameraIds.length) return { cameras: [], errors: [] };
      return { cameras: state.cameraIds.map((id) => parseCamera({ id, url: `rtsp://h/${id}` })), errors: [{ cameraId: 'beach', message: "camera 'beach', fps: too big" }] };
    }),
    subscribe: jest.fn(async (onChange: () => void) => {
      state.announce = onChange;
      return { close: async () => undefined };
    }),
  };
  return { store: store as unknown as CameraConfigStore, state };
}

describe('RedisCameraSource', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reads the revision before the cameras, and passes rejected entries on', async () => {
    const { store, state } = fakeStore();
    const source = new RedisCameraSource(store, log, { pollMs: 5000 });
    const list = await source.load();
    expect(state.reads).toEqual(['revision', 'cameras']);
    expect(list.cameras.map((c) => c.id)).toEqual(['pond']);
    expect(list.rejected).toEqual([{ cameraId: 'beach', message: "camera 'beach', fps: too big" }]);
  });

  it('catches a change whose announcement was lost within one poll, and says nothing while the revision stands', async () => {
    const { store, state } = fakeStore();
    const source = new RedisCameraSource(store, log, { pollMs: 5000 });
    const onChange = jest.fn();
    const unwatch = await source.watch(onChange);
    await source.load();
    await jest.advanceTimersByTimeAsync(15_000);
    expect(onChange).not.toHaveBeenCalled();
    state.revision = 4; // published while the subscriber was reconnecting: no message arrives
    await jest.advanceTimersByTimeAsync(5_000);
    expect(onChange).toHaveBeenCalledTimes(1);
    await unwatch();
  });

  it('keeps polling through a Redis outage', async () => {
    const { store, state } = fakeStore();
    const source = new RedisCameraSource(store, log, { pollMs: 5000 });
    const onChange = jest.fn();
    const unwatch = await source.watch(onChange);
    await source.load();
    state.down = true;
    await jest.advanceTimersByTimeAsync(10_000);
    state.down = false;
    state.revision = 5;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(onChange).toHaveBeenCalledTimes(1);
    await unwatch();
  });

  it('keeps the last list when Redis lost the published configuration (no counter, empty hash), not when every camera was removed', async () => {
    const { store, state } = fakeStore();
    const source = new RedisCameraSource(store, log, { pollMs: 5000 });
    await source.load();
    state.revision = 0; // gone: restarted without AOF
    state.cameraIds = [];
    expect((await source.load()).cameras.map((c) => c.id)).toEqual(['pond']); // before: [] — every camera dropped
    state.revision = 1; // republished
    state.cameraIds = ['pond', 'lake'];
    expect((await source.load()).cameras.map((c) => c.id)).toEqual(['pond', 'lake']);
    state.revision = 2; // an admin removed them all: the counter moved
    state.cameraIds = [];
    expect((await source.load()).cameras).toEqual([]);
  });
});

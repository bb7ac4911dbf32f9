import { parseCamera } from '@xl/config';
import type { CameraConfigStore, LoadedCameras } from '@xl/queue';
import type { ConfigChangedMessage } from '@xl/contracts';
import { CameraDirectoryRepository } from './camera-directory';

const pond = parseCamera({ id: 'pond', url: 'rtsp://10.0.0.1/sub', zones: [{ id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] });
const square = parseCamera({ id: 'square', url: 'rtsp://10.0.0.2/sub' });
const invalid = (cameraId: string): LoadedCameras['errors'][number] => ({ cameraId, message: `camera '${cameraId}': unknown key 'newField'` });

/** A published configuration the test changes, and the change announcements it sends. */
function fakeStore(initial: LoadedCameras) {
  let published = initial;
  let announce: (message: ConfigChangedMessage) => void = () => undefined;
  const store = {
    load: async () => published,
    loadSome: async (ids: string[]) => ({ cameras: published.cameras.filter((c) => ids.includes(c.id)), errors: published.errors.filter((e) => ids.includes(e.cameraId)) }),
    subscribe: async (onChange: (message: ConfigChangedMessage) => void) => ((announce = onChange), { close: async () => undefined }),
  };
  return {
    store: store as unknown as CameraConfigStore,
    publish: async (next: LoadedCameras, cameraIds: string[]) => {
      published = next;
      announce({ cameraIds, revision: 2 });
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('CameraDirectoryRepository', () => {
  const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };

  it('keeps analysing a camera on its last valid configuration when a new one is refused, one camera or all', async () => {
    const { store, publish } = fakeStore({ cameras: [pond, square], errors: [] });
    const directory = new CameraDirectoryRepository(log as never);
    await directory.follow(store);
    await publish({ cameras: [square], errors: [invalid('pond')] }, ['pond']);
    expect(directory.runtime('pond')?.camera).toEqual(pond);
    expect(log.error).toHaveBeenCalledWith({ camera: 'pond', err: "camera 'pond': unknown key 'newField'" }, 'invalid published camera configuration; camera analysed on its last valid one');
    await publish({ cameras: [square], errors: [invalid('pond')] }, []); // reload all
    expect(directory.runtime('pond')?.camera).toEqual(pond);
    expect(directory.size).toBe(2);
    // Removed for real: gone.
    await publish({ cameras: [square], errors: [] }, ['pond']);
    expect(directory.runtime('pond')).toBeUndefined();
  });

  it('does not start a camera whose only configuration is invalid', async () => {
    const { store } = fakeStore({ cameras: [square], errors: [invalid('pond')] });
    const directory = new CameraDirectoryRepository(log as never);
    await directory.follow(store);
    expect(directory.runtime('pond')).toBeUndefined();
    expect(log.error).toHaveBeenCalledWith({ camera: 'pond', err: "camera 'pond': unknown key 'newField'" }, 'invalid published camera configuration; camera not analysed');
  });
});

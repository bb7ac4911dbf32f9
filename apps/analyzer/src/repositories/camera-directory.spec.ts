import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCamera } from '@xl/config';
import { readManifest } from '@xl/detection';
import type { CameraConfigStore, LoadedCameras } from '@xl/queue';
import type { ConfigChangedMessage } from '@xl/contracts';
import { repoRoot } from '@xl/testing';
import { CameraDirectoryRepository, modelProblem } from './camera-directory';

/** The model the analyzer loads, with its real labels (COCO, VOC spellings: `motorbike`, `aeroplane`). */
const model = { name: 'yolox_nano', labels: readManifest(path.join(repoRoot, 'models/yolox_nano.json')).labels };

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
    const directory = new CameraDirectoryRepository(log as never, model);
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

  it("refuses a camera whose rules name a class the model does not have, or another model, keeping its last valid configuration", async () => {
    const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
    const typo = parseCamera({
      id: 'pond',
      url: 'rtsp://10.0.0.1/sub',
      zones: [water],
      rules: [
        { id: 'enter', type: 'zone_enter', zone: 'water' },
        { id: 'off', type: 'zone_enter', zone: 'water', classes: ['ship'], enabled: false }, // disabled: not checked
        { id: 'v', type: 'vanish_in_water', zone: 'water', classes: ['person', 'Person'] },
      ],
    });
    const custom = parseCamera({ id: 'pond', url: 'rtsp://10.0.0.1/sub', model: 'yolox_s', zones: [water] });
    const { store, publish } = fakeStore({ cameras: [pond, square], errors: [] });
    const directory = new CameraDirectoryRepository(log as never, model);
    await directory.follow(store);
    log.error.mockClear();
    await publish({ cameras: [typo, square], errors: [] }, ['pond']);
    // The drowning rule would never have matched a track: refused, the camera runs on as before.
    expect(directory.runtime('pond')?.camera).toEqual(pond);
    expect(log.error).toHaveBeenCalledWith(
      { camera: 'pond', err: "camera 'pond', rules[2] (id 'v').classes[1]: 'Person' is not a label of model yolox_nano" },
      'invalid published camera configuration; camera analysed on its last valid one',
    );
    await publish({ cameras: [custom, square], errors: [] }, []); // reload all
    expect(directory.runtime('pond')?.camera).toEqual(pond);
    expect(log.error).toHaveBeenCalledWith(
      { camera: 'pond', err: "camera 'pond', model: 'yolox_s' is not the model this analyzer runs (yolox_nano)" },
      'invalid published camera configuration; camera analysed on its last valid one',
    );
    // A new camera that does not fit is not started; the defaults of its zones are checked too.
    expect(modelProblem(parseCamera({ id: 'lake', url: 'rtsp://h/x', model: 'swimmers', zones: [{ ...water, type: 'no_fishing' }] }), { name: 'swimmers', labels: ['swimmer'] })).toBe(
      "camera 'lake', default rule 'water.boat'.classes[0]: 'boat' is not a label of model swimmers",
    );
    expect(modelProblem(pond, model)).toBeNull();
  });

  it('refuses such a camera in a camera file too', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xl-cameras-'));
    try {
      const file = path.join(dir, 'cameras.json');
      const rules = [{ id: 'boats', type: 'zone_enter', zone: 'reach', classes: ['ship'] }];
      const reach = { id: 'reach', type: 'no_fishing', polygon: [[0, 0], [1, 0], [1, 0.5], [0, 0.5]] };
      writeFileSync(file, JSON.stringify({ cameras: [{ id: 'lake', url: 'rtsp://h/x', zones: [reach], rules }, { id: 'square', url: 'rtsp://10.0.0.2/sub' }] }));
      const directory = new CameraDirectoryRepository(log as never, model);
      directory.loadFile(file);
      expect(directory.runtime('lake')).toBeUndefined();
      expect(directory.runtime('square')).toBeDefined();
      expect(log.error).toHaveBeenCalledWith({ camera: 'lake', err: "camera 'lake', rules[0] (id 'boats').classes[0]: 'ship' is not a label of model yolox_nano" }, 'invalid file camera configuration; camera not analysed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not start a camera whose only configuration is invalid', async () => {
    const { store } = fakeStore({ cameras: [square], errors: [invalid('pond')] });
    const directory = new CameraDirectoryRepository(log as never, model);
    await directory.follow(store);
    expect(directory.runtime('pond')).toBeUndefined();
    expect(log.error).toHaveBeenCalledWith({ camera: 'pond', err: "camera 'pond': unknown key 'newField'" }, 'invalid published camera configuration; camera not analysed');
  });
});

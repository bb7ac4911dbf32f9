import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseCamera } from '@xl/config';
import { readManifest } from '@xl/detection';
import type { CameraConfigStore, LoadedCameras } from '@xl/queue';
import type { ConfigChangedMessage } from '@xl/contracts';
import { repoRoot } from '@xl/testing';
import { CameraDirectoryRepository, fitToModel } from './camera-directory';

/** The model the analyzer loads, with its real labels (COCO, VOC spellings: `motorbike`, `aeroplane`). */
const model = { name: 'yolox_nano', labels: readManifest(path.join(repoRoot, 'models/yolox_nano.json')).labels };

const pond = parseCamera({ id: 'pond', url: 'rtsp://10.0.0.1/sub', zones: [{ id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] }] });
const square = parseCamera({ id: 'square', url: 'rtsp://10.0.0.2/sub' });
const invalid = (cameraId: string): LoadedCameras['errors'][number] => ({ cameraId, message: `camera '${cameraId}': unknown key 'newField'` });

/** A published configuration the test changes, and the change announcements it sends. */
function fakeStore(initial: LoadedCameras) {
  let published = initial;
  let revision = 1;
  let announce: (message: ConfigChangedMessage) => void = () => undefined;
  const store = {
    revision: async () => revision,
    load: async () => published,
    loadSome: async (ids: string[]) => ({ cameras: published.cameras.filter((c) => ids.includes(c.id)), errors: published.errors.filter((e) => ids.includes(e.cameraId)) }),
    subscribe: async (onChange: (message: ConfigChangedMessage) => void) => ((announce = onChange), { close: async () => undefined }),
  };
  return {
    store: store as unknown as CameraConfigStore,
    publish: async (next: LoadedCameras, cameraIds: string[]) => {
      published = next;
      announce({ cameraIds, revision: ++revision });
      await new Promise((resolve) => setImmediate(resolve));
    },
    /** Redis loses everything (restarted without AOF): no hash, no revision counter, no announcement. */
    lose: () => {
      published = { cameras: [], errors: [] };
      revision = 0;
    },
    /** alerts-api's republish after the loss: a new counter, every camera announced. */
    republish: async (next: LoadedCameras) => {
      published = next;
      announce({ cameraIds: next.cameras.map((c) => c.id), revision: ++revision });
      await new Promise((resolve) => setImmediate(resolve));
    },
    /** A change written whose announcement never arrives (the subscriber was away). */
    publishUnannounced: (next: LoadedCameras) => {
      published = next;
      revision++;
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

  it('applies a change whose announcement it never got (its subscriber was away) within one poll of the revision', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const bare = parseCamera({ id: 'pond', url: 'rtsp://10.0.0.1/sub' });
    const { store, publishUnannounced } = fakeStore({ cameras: [bare], errors: [] });
    const directory = new CameraDirectoryRepository(log as never, model);
    try {
      await directory.follow(store, 10_000);
      publishUnannounced({ cameras: [pond], errors: [] }); // the pond's water zone drawn
      await jest.advanceTimersByTimeAsync(9_999);
      expect(directory.runtime('pond')?.camera.zones).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(directory.runtime('pond')?.camera.zones.map((z) => z.id)).toEqual(['water']); // before: [] until a restart
    } finally {
      await directory.close();
      jest.useRealTimers();
    }
  });

  it('keeps its cameras when Redis loses the published configuration, and takes the republished one', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const { store, lose, republish, publish } = fakeStore({ cameras: [pond, square], errors: [] });
    const directory = new CameraDirectoryRepository(log as never, model);
    try {
      await directory.follow(store, 10_000);
      const runtime = directory.runtime('pond');
      lose();
      await jest.advanceTimersByTimeAsync(10_000); // the poll sees the counter gone
      expect(directory.runtime('pond')).toBe(runtime); // before: every camera dropped, frames refused as unknown
      expect(directory.size).toBe(2);
      await republish({ cameras: [pond], errors: [] });
      expect(directory.runtime('pond')?.camera).toEqual(pond);
      expect(directory.runtime('square')).toBeUndefined(); // removed meanwhile: the republished list decides
      // Every camera removed by an admin moves the counter: applied.
      await publish({ cameras: [], errors: [] }, ['pond']);
      expect(directory.size).toBe(0);
    } finally {
      await directory.close();
      jest.useRealTimers();
    }
  });

  it('reloads everything when an announcement skips a revision (the ones between were missed)', async () => {
    const { store, publish, publishUnannounced } = fakeStore({ cameras: [square], errors: [] });
    const directory = new CameraDirectoryRepository(log as never, model);
    await directory.follow(store, 600_000);
    publishUnannounced({ cameras: [square, pond], errors: [] }); // the pond added, unannounced
    await publish({ cameras: [square, pond], errors: [] }, ['square']); // only the square announced
    await new Promise((resolve) => setImmediate(resolve));
    expect(directory.runtime('pond')?.camera).toEqual(pond);
    await directory.close();
  });

  it('runs a camera without the rule classes its model lacks, its other rules on, and says so', async () => {
    const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
    const typo = parseCamera({
      id: 'pond',
      url: 'rtsp://10.0.0.1/sub',
      zones: [water],
      rules: [
        { id: 'enter', type: 'zone_enter', zone: 'water' },
        { id: 'off', type: 'zone_enter', zone: 'water', classes: ['ship'], enabled: false }, // disabled: not checked
        { id: 'v', type: 'vanish_in_water', zone: 'water', classes: ['person', 'Person'] },
        { id: 'boats', type: 'zone_enter', zone: 'water', classes: ['ship'] },
      ],
    });
    const { store } = fakeStore({ cameras: [typo, square], errors: [] });
    const directory = new CameraDirectoryRepository(log as never, model);
    log.error.mockClear();
    await directory.follow(store);
    // Stored before the API checked labels: analysed, the drowning rule on with the class it can match.
    const rules = directory.runtime('pond')!.camera.rules!;
    expect(rules.map((r) => [r.id, r.enabled, 'classes' in r ? r.classes : null])).toEqual([
      ['enter', true, ['person']],
      ['off', false, ['ship']],
      ['v', true, ['person']],
      ['boats', false, ['ship']],
      // the default health rules: no explicit rule has their types (effectiveRules)
      ['health.covered', true, null],
      ['health.blurred', true, null],
      ['health.frozen', true, null],
      ['health.moved', true, null],
    ]);
    expect(log.error).toHaveBeenCalledWith(
      {
        camera: 'pond',
        err:
          "camera 'pond', rules[2] (id 'v').classes[1]: 'Person' is not a label of model yolox_nano; dropped from the rule (a rule left with no class is off); " +
          "camera 'pond', rules[3] (id 'boats').classes[0]: 'ship' is not a label of model yolox_nano; dropped from the rule (a rule left with no class is off)",
      },
      'camera configuration does not fit the model; analysed without what it lacks',
    );
    // Another model is analysed with this analyzer's, as before the check; a custom model's defaults are fitted too.
    expect(fitToModel(parseCamera({ id: 'lake', url: 'rtsp://h/x', model: 'yolox_s' }), model).problems).toEqual([
      "camera 'lake', model: 'yolox_s' is not the model this analyzer runs; analysed with yolox_nano",
    ]);
    const custom = fitToModel(parseCamera({ id: 'lake', url: 'rtsp://h/x', model: 'swimmers', zones: [{ ...water, type: 'no_fishing' }] }), { name: 'swimmers', labels: ['swimmer'] });
    expect(custom.camera.rules!.find((r) => r.id === 'water.boat')).toMatchObject({ enabled: false });
    expect(fitToModel(pond, model)).toEqual({ camera: pond, problems: [] });
  });

  it('fits the cameras of a camera file the same way', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'xl-cameras-'));
    try {
      const file = path.join(dir, 'cameras.json');
      const rules = [{ id: 'boats', type: 'zone_enter', zone: 'reach', classes: ['ship'] }];
      const reach = { id: 'reach', type: 'no_fishing', polygon: [[0, 0], [1, 0], [1, 0.5], [0, 0.5]] };
      writeFileSync(file, JSON.stringify({ cameras: [{ id: 'lake', url: 'rtsp://h/x', zones: [reach], rules }, { id: 'square', url: 'rtsp://10.0.0.2/sub' }] }));
      const directory = new CameraDirectoryRepository(log as never, model);
      directory.loadFile(file);
      expect(directory.runtime('lake')?.camera.rules?.filter((r) => 'zone' in r)).toMatchObject([{ id: 'boats', enabled: false }]);
      expect(directory.runtime('square')).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tells its listeners of each camera that leaves it, not of one kept on its last valid configuration', async () => {
    const lake = parseCamera({ id: 'lake', url: 'rtsp://10.0.0.3/sub' });
    const { store, publish } = fakeStore({ cameras: [pond, square, lake], errors: [] });
    const directory = new CameraDirectoryRepository(log as never, model);
    const removed: string[] = [];
    directory.onRemoved((cameraId) => removed.push(cameraId));
    await directory.follow(store);
    await publish({ cameras: [square, lake], errors: [invalid('pond')] }, ['pond']); // refused edit: kept
    await publish({ cameras: [lake], errors: [] }, ['square']);
    expect(removed).toEqual(['square']);
    await publish({ cameras: [lake], errors: [] }, ['square']); // already gone: not again
    await publish({ cameras: [], errors: [invalid('pond')] }, []); // reload all: pond kept, lake gone
    expect(removed).toEqual(['square', 'lake']);
    expect(directory.runtime('pond')).toBeDefined();
  });

  it('does not start a camera whose only configuration is invalid', async () => {
    const { store } = fakeStore({ cameras: [square], errors: [invalid('pond')] });
    const directory = new CameraDirectoryRepository(log as never, model);
    await directory.follow(store);
    expect(directory.runtime('pond')).toBeUndefined();
    expect(log.error).toHaveBeenCalledWith({ camera: 'pond', err: "camera 'pond': unknown key 'newField'" }, 'invalid published camera configuration; camera not analysed');
  });
});

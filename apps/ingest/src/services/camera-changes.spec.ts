import { cameraSchema, parseCamera } from '@xl/config';
import { ingestView, NOT_READ_BY_INGEST } from './camera-changes';

describe('ingestView', () => {
  const base = { id: 'pond', url: 'rtsp://h/main' };

  it('changes with what the reader, motion gate and recorder read, not with the analyzer\'s fields', () => {
    const view = ingestView(parseCamera(base));
    expect(ingestView(parseCamera({ ...base, name: 'north pond', timezone: 'Asia/Urumqi', zones: [{ id: 'w', type: 'water', polygon: [[0, 0], [1, 0], [1, 1]] }] }))).toBe(view);
    for (const change of [{ fps: 4 }, { subUrl: 'rtsp://h/sub' }, { masks: [[[0, 0], [1, 0], [1, 1]]] }, { motion: { threshold: 20 } }, { watchdog: { stallSeconds: 9 } }, { recording: { enabled: false } }]) {
      expect(ingestView(parseCamera({ ...base, ...change }))).not.toBe(view);
    }
  });

  it('has decided for every field of the camera schema (a new field must be placed on one side)', () => {
    const read = Object.keys(JSON.parse(ingestView(parseCamera({ ...base, subUrl: 'rtsp://h/sub' }))) as object);
    const decided = new Set([...read, ...NOT_READ_BY_INGEST, 'id', 'enabled']);
    expect(Object.keys(cameraSchema.shape).filter((key) => !decided.has(key))).toEqual([]);
  });
});

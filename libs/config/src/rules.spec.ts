import { ConfigError, effectiveRules, parseCamera } from './index';

const water = { id: 'water', type: 'water', polygon: [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]] };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const camera = (rules?: Record<string, unknown>[]) => parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water], ...(rules ? { rules } : {}) });

describe('repeatMergeSeconds (zone_enter, dwell)', () => {
  it('defaults to 120 s on zone_enter and dwell, including the water zone defaults', () => {
    const [enter, dwell] = effectiveRules(camera());
    expect([enter, dwell]).toMatchObject([
      { type: 'zone_enter', repeatMergeSeconds: 120 },
      { type: 'dwell', repeatMergeSeconds: 120 },
    ]);
    expect(camera([{ id: 'r1', type: 'zone_enter', zone: 'water', repeatMergeSeconds: 0 }]).rules).toMatchObject([{ repeatMergeSeconds: 0 }]);
    expect(camera([{ id: 'r1', type: 'dwell', zone: 'water', repeatMergeSeconds: 3600 }]).rules).toMatchObject([{ repeatMergeSeconds: 3600 }]);
  });

  it('refuses values outside 0–3600, naming the camera and the field', () => {
    expect(errorOf(() => camera([{ id: 'r1', type: 'dwell', zone: 'water', repeatMergeSeconds: 3601 }])).message).toMatch(/camera 'c'.*repeatMergeSeconds/s);
    expect(errorOf(() => camera([{ id: 'r1', type: 'zone_enter', zone: 'water', repeatMergeSeconds: -1 }])).message).toMatch(/repeatMergeSeconds/);
  });

  it('is not a field of vanish_in_water (a drowning is never merged away) nor of crowd (one alert per zone already)', () => {
    const vanish = effectiveRules(camera()).find((r) => r.type === 'vanish_in_water');
    expect(vanish).not.toHaveProperty('repeatMergeSeconds');
    expect(errorOf(() => camera([{ id: 'r1', type: 'vanish_in_water', zone: 'water', repeatMergeSeconds: 60 }])).message).toMatch(/repeatMergeSeconds/);
    expect(errorOf(() => camera([{ id: 'r1', type: 'crowd', zone: 'water', repeatMergeSeconds: 60 }])).message).toMatch(/repeatMergeSeconds/);
  });
});

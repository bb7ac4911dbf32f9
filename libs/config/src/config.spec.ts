import { ConfigError, effectiveRules, parseCamera, parseCameraFile } from './index';

const water = {
  id: 'water',
  type: 'water',
  polygon: [
    [0, 0.5],
    [1, 0.5],
    [1, 0.7],
    [0, 0.7],
  ],
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('camera config', () => {
  it('fills defaults and gives a zones-only camera the water rules plus health rules', () => {
    const cam = parseCamera({ id: 'pond-1', url: 'rtsp://cam/main', zones: [water] });
    expect(cam.fps).toBe(2);
    expect(cam.timezone).toBe('Asia/Shanghai');
    expect(cam.watchdog.stallSeconds).toBe(6);
    expect(effectiveRules(cam).map((r) => r.type)).toEqual([
      'zone_enter',
      'dwell',
      'vanish_in_water',
      'camera_covered',
      'camera_blurred',
      'camera_frozen',
      'camera_moved',
    ]);
    expect(effectiveRules(cam).find((r) => r.type === 'camera_moved')).toMatchObject({ id: 'health.moved', enabled: true, minSimilarity: 0.6, seconds: 60, cooldownSeconds: 300 });
  });

  it('reconnects a stream 15 s behind by default; maxDelaySeconds is 0 (never) or 5 and more', () => {
    const at = (maxDelaySeconds: number) => parseCamera({ id: 'pond-1', url: 'rtsp://cam/main', watchdog: { maxDelaySeconds } }).watchdog;
    expect(parseCamera({ id: 'pond-1', url: 'rtsp://cam/main' }).watchdog.maxDelaySeconds).toBe(15);
    expect(at(0).maxDelaySeconds).toBe(0);
    expect(at(5)).toMatchObject({ maxDelaySeconds: 5, stallSeconds: 6 });
    const err = errorOf(() => at(2));
    expect(err.message).toContain("camera 'pond-1'");
    expect(err.message).toMatch(/watchdog\.maxDelaySeconds: must be 0 \(never reconnect\) or at least 5/);
    expect(errorOf(() => at(601)).message).toMatch(/maxDelaySeconds/);
  });

  it('gives an ignore zone no rules, and refuses a rule that names one', () => {
    const post = { id: 'post', type: 'ignore', polygon: [[0.4, 0.5], [0.45, 0.5], [0.45, 0.7], [0.4, 0.7]] };
    const cam = parseCamera({ id: 'pond-1', url: 'rtsp://cam/main', zones: [water, post] });
    expect(effectiveRules(cam).filter((r) => 'zone' in r && r.zone === 'post')).toEqual([]);
    const err = errorOf(() => parseCamera({ id: 'pond-1', url: 'rtsp://cam/main', zones: [water, post], rules: [{ id: 'r1', type: 'zone_enter', zone: 'post' }] }));
    expect(err.message).toContain("camera 'pond-1'");
    expect(err.message).toContain("rule 'r1' names zone 'post', an ignore zone");
  });

  it('bounds camera_moved, naming the camera and the rule', () => {
    for (const bad of [{ minSimilarity: 1.5 }, { seconds: 2 }]) {
      const err = errorOf(() => parseCamera({ id: 'pond-1', url: 'rtsp://cam/main', rules: [{ id: 'moved', type: 'camera_moved', ...bad }] }));
      expect(err.message).toContain("camera 'pond-1'");
      expect(err.message).toContain(Object.keys(bad)[0]);
    }
  });

  it('rejects unknown keys naming the camera and the zone', () => {
    const err = errorOf(() => parseCamera({ id: 'pond-1', url: 'rtsp://cam/main', zones: [{ ...water, colour: 'blue' }] }));
    expect(err.message).toContain("camera 'pond-1'");
    expect(err.message).toContain("zones[0] (id 'water')");
    expect(err.message).toContain('colour');
  });

  it('rejects self-intersecting and out-of-range polygons', () => {
    const bowTie = { ...water, polygon: [[0, 0], [1, 1], [1, 0], [0, 1]] };
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [bowTie] })).message).toMatch(/self-intersecting/);
    const outside = { ...water, polygon: [[0, 0], [1.5, 0], [1, 1]] };
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [outside] })).message).toMatch(/polygon\[1\]/);
  });

  it('refuses non-RTSP URLs and absurd numbers', () => {
    expect(errorOf(() => parseCamera({ id: 'c', url: 'file:///etc/passwd' })).message).toMatch(/camera 'c', url: must use rtsp/);
    expect(errorOf(() => parseCamera({ id: 'c', url: 'http://10.0.0.1/' })).message).toMatch(/rtsp/);
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', fps: 1e9 })).message).toMatch(/camera 'c', fps/);
  });

  it('gives zone_enter a time inertia (inertiaSeconds, default 0.4 s, 0–30)', () => {
    const rule = (extra: Record<string, unknown>) => ({ id: 'r1', type: 'zone_enter', zone: 'water', ...extra });
    const [enter] = effectiveRules(parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water] }));
    expect(enter).toMatchObject({ type: 'zone_enter', inertia: 2, inertiaSeconds: 0.4 });
    const [explicit] = effectiveRules(parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water], rules: [rule({ inertiaSeconds: 1.5 })] }));
    expect(explicit).toMatchObject({ inertiaSeconds: 1.5 });
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water], rules: [rule({ inertiaSeconds: -1 })] })).message).toMatch(/inertiaSeconds/);
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water], rules: [rule({ inertiaSeconds: 31 })] })).message).toMatch(/inertiaSeconds/);
  });

  it('checks that rules name existing zones', () => {
    const err = errorOf(() =>
      parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water], rules: [{ id: 'r1', type: 'dwell', zone: 'pond' }] }),
    );
    expect(err.message).toContain("rule 'r1' names zone 'pond'");
  });

  it('parses a YAML file with several cameras and reports every bad one', () => {
    const yaml = `cameras:\n  - id: a\n    url: rtsp://h/a\n  - id: b\n    url: ftp://h/b\n  - url: rtsp://h/c\n`;
    const err = errorOf(() => parseCameraFile(yaml, 'cams.yaml'));
    expect(err.issues).toHaveLength(2);
    expect(err.message).toContain("camera 'b'");
    expect(err.message).toContain('camera #2 (no id)');
    expect(parseCameraFile('cameras:\n  - id: a\n    url: rtsp://h/a\n')).toHaveLength(1);
  });

  it('validates schedules and time zones', () => {
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', timezone: 'Mars/Base' })).message).toMatch(/IANA/);
    const rule = { id: 'r', type: 'camera_covered', schedule: [{ start: '25:00', end: '06:00' }] };
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', rules: [rule] })).message).toMatch(/HH:MM/);
  });
});

describe('parseCameraFile: YAML errors', () => {
  // A ': ' in a password makes the line a nested mapping; yaml's message would quote the line.
  it.each([
    ['cameras:\n  - id: a\n    url: rtsp://admin:pa: ss@10.0.0.7/live\n', 'pa: ss', 'at line 3, column 10 (BLOCK_AS_IMPLICIT_KEY)'],
    ['cameras:\n  - id: a\n    url: "rtsp://admin:se\\"cret@10.0.0.7/live\n', 'cret', 'at line 4, column 1 (MISSING_CHAR)'],
    ['cameras: [{id: a, url: rtsp://admin:s3cr3t@h/x\n', 's3cr3t', 'at line 2'],
  ])('names the line and column, never the source text (%#)', (text, password, where) => {
    const err = errorOf(() => parseCameraFile(text, 'cams.yaml'));
    for (const said of [err.message, ...err.issues]) {
      expect(said).not.toContain(password);
      expect(said).not.toContain('admin');
      expect(said).not.toContain('rtsp');
    }
    expect(err.message).toContain(`cams.yaml: not valid YAML/JSON ${where}`);
  });
});

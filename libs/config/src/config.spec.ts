import { ConfigError, effectiveRules, parseCamera, parseCameraFile, parseStoredCamera, storedCameraSchema } from './index';

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

  it('refuses a first respawn delay above the cap, naming the camera and both fields; a stored one still parses', () => {
    // Only the first delay set: the cap stays at its default, 30 s. Ingest's back-off threw on it at the
    // camera's every failure, ending the process on each worker that claimed the camera.
    const raw = { id: 'pond-1', url: 'rtsp://cam/main', watchdog: { backoffInitialSeconds: 45 } };
    const err = errorOf(() => parseCamera(raw));
    expect(err.issues).toEqual([
      "camera 'pond-1', watchdog.backoffInitialSeconds: backoffInitialSeconds 45 s is above backoffMaxSeconds 30 s: the first respawn delay must not exceed the cap; lower it to at most 30 or raise backoffMaxSeconds to at least 45",
    ]);
    expect(parseCamera({ ...raw, watchdog: { backoffInitialSeconds: 45, backoffMaxSeconds: 45 } }).watchdog).toMatchObject({ backoffInitialSeconds: 45, backoffMaxSeconds: 45 });
    expect(parseStoredCamera(raw).watchdog).toMatchObject({ backoffInitialSeconds: 45, backoffMaxSeconds: 30 }); // the reader starts it at the cap
    // An out-of-bounds value is reported as that, not compared.
    expect(errorOf(() => parseCamera({ ...raw, watchdog: { backoffInitialSeconds: 90 } })).issues).toEqual([expect.stringMatching(/watchdog\.backoffInitialSeconds: .*60.*\(got 90\)$/)]);
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
    // At most a week of days and a year of months: a body of 50 000 entries was scanned at every frame.
    const days = { ...rule, schedule: [{ start: '19:00', end: '06:00', days: Array.from({ length: 8 }, () => 5) }] };
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', rules: [days] })).message).toMatch(/schedule.*days/);
    const months = { ...rule, schedule: [{ start: '19:00', end: '06:00', months: Array.from({ length: 13 }, () => 3) }] };
    expect(errorOf(() => parseCamera({ id: 'c', url: 'rtsp://h/x', rules: [months] })).message).toMatch(/schedule.*months/);
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

describe('checks across fields', () => {
  const url = 'rtsp://h/x';
  const vanish = (extra: Record<string, unknown> = {}) => ({ id: 'v', type: 'vanish_in_water', zone: 'water', ...extra });

  it('are checks of what someone writes: a camera stored under older checks still parses as stored', () => {
    const stored = { id: 'c', url, fps: 0.2, zones: [water], masks: [[[0, 0], [1, 0], [1, 1], [0, 1]]] };
    expect(() => parseCamera(stored)).toThrow(ConfigError);
    expect(parseStoredCamera(stored)).toMatchObject({ id: 'c', fps: 0.2 });
    expect(storedCameraSchema.safeParse(stored).success).toBe(true);
  });

  it('refuses an explicit vanish countdown shorter than two frame intervals, and fits the default one to the fps', () => {
    // fps 0.2: 5 s between frames, so one missed frame is 5 s unseen, past the default 3 s: the
    // default countdown is two frame intervals there (before: the camera was refused).
    const lost = (camera: Record<string, unknown>) => effectiveRules(parseCamera(camera)).find((r) => r.type === 'vanish_in_water') as { lostSeconds: number };
    expect(lost({ id: 'c', url, fps: 0.2, zones: [water] }).lostSeconds).toBe(10);
    expect(lost({ id: 'c', url, fps: 0.6, zones: [water] }).lostSeconds).toBe(3.334);
    expect(lost({ id: 'c', url, fps: 0.667, zones: [water] }).lostSeconds).toBe(3);
    expect(lost({ id: 'c', url, fps: 5, zones: [water] }).lostSeconds).toBe(3);
    // A zone no explicit rule names gets the fitted default too: a camera file valid before zone
    // defaults outlived explicit rules still loads.
    const south = { ...water, id: 'south' };
    const both = parseCamera({ id: 'c', url, fps: 0.5, zones: [water, south], rules: [vanish({ lostSeconds: 5 })] });
    expect(effectiveRules(both).filter((r) => r.type === 'vanish_in_water').map((r) => [r.id, (r as { lostSeconds: number }).lostSeconds])).toEqual([
      ['v', 5],
      ['south.vanish', 4],
    ]);

    const explicit = errorOf(() => parseCamera({ id: 'c', url, fps: 2, zones: [water], rules: [{ id: 'e', type: 'zone_enter', zone: 'water' }, vanish({ lostSeconds: 0.5 })] }));
    expect(explicit.issues).toEqual([
      "camera 'c', rules[1] (id 'v').lostSeconds: rule 'v': lostSeconds 0.5 s is less than two frame intervals at fps 2 (1 s): one missed detection would raise a possible drowning; raise lostSeconds to at least 1, or fps at least 4",
    ]);
    expect(errorOf(() => parseCamera({ id: 'c', url, fps: 0.9, zones: [water], rules: [vanish({ lostSeconds: 2 })] })).message).toMatch(/\(2\.22 s\).*lostSeconds to at least 2\.223, or fps at least 1\b/);
  });

  it('accepts two frame intervals exactly, disabled vanish rules and slow cameras without water', () => {
    expect(parseCamera({ id: 'c', url, fps: 2, zones: [water], rules: [vanish({ lostSeconds: 1 })] }).rules).toHaveLength(1);
    expect(parseCamera({ id: 'c', url, fps: 0.4, zones: [water], rules: [vanish({ lostSeconds: 5 })] }).fps).toBe(0.4);
    expect(parseCamera({ id: 'c', url, fps: 0.2, zones: [water], rules: [vanish({ enabled: false })] }).fps).toBe(0.2);
    expect(parseCamera({ id: 'c', url, fps: 0.2 }).fps).toBe(0.2);
    expect(parseCamera({ id: 'c', url, fps: 0.2, zones: [{ ...water, type: 'crowd_area' }] }).fps).toBe(0.2);
  });

  it('reports an out-of-bounds fps or rule once, without the countdown check on top', () => {
    expect(errorOf(() => parseCamera({ id: 'c', url, fps: 0, zones: [water] })).issues).toEqual([expect.stringMatching(/^camera 'c', fps: .*>=0\.2 \(got 0\)$/)]);
    expect(errorOf(() => parseCamera({ id: 'c', url, fps: 0.2, zones: [water], rules: [vanish({ lostSeconds: 0.1 })] })).issues).toEqual([
      expect.stringMatching(/^camera 'c', rules\[0\] \(id 'v'\)\.lostSeconds: .*>=0\.5 \(got 0\.1\)$/),
    ]);
  });

  it('refuses masks that leave no motion cell to measure (ingest would fail every frame)', () => {
    const whole = [[0, 0], [1, 0], [1, 1], [0, 1]];
    const err = errorOf(() => parseCamera({ id: 'c', url, masks: [whole] }));
    expect(err.issues).toEqual([expect.stringMatching(/^camera 'c', masks: the masks cover the whole picture: for a 16:9 picture no 8×8-pixel motion cell of the 416×416 detector input is left unmasked/)]);
    // two halves, and a strip of 2 % at the bottom (less than one cell row of a 16:9 picture)
    const left = [[0, 0], [0.5, 0], [0.5, 1], [0, 1]];
    const right = [[0.5, 0], [1, 0], [1, 1], [0.5, 1]];
    expect(errorOf(() => parseCamera({ id: 'c', url, masks: [left, right] })).message).toMatch(/camera 'c', masks: the masks cover the whole picture/);
    expect(errorOf(() => parseCamera({ id: 'c', url, masks: [[[0, 0], [1, 0], [1, 0.98], [0, 0.98]]] })).message).toMatch(/masks: the masks cover/);
    // an on-screen clock and camera name, and a mask hiding most of the picture, are fine
    const clock = [[0, 0], [0.3, 0], [0.3, 0.06], [0, 0.06]];
    const name = [[0.7, 0.92], [1, 0.92], [1, 1], [0.7, 1]];
    expect(parseCamera({ id: 'c', url, masks: [clock, name] }).masks).toHaveLength(2);
    expect(parseCamera({ id: 'c', url, masks: [[[0, 0], [1, 0], [1, 0.8], [0, 0.8]]] }).masks).toHaveLength(1);
    // a bad mask is reported as such, not as covering the picture
    expect(errorOf(() => parseCamera({ id: 'c', url, masks: [whole, [[0, 0], [2, 0], [1, 1]]] })).issues).toEqual([expect.stringMatching(/^camera 'c', masks\[1\]\[1\]\[0\]: /)]);
  });
});

describe('schedule times', () => {
  const at = (start: string, end: string) => parseCamera({ id: 'c', url: 'rtsp://h/x', rules: [{ id: 'night', type: 'camera_covered', schedule: [{ start, end }] }] });

  it('accepts 00:00–23:59 and 24:00 (the end of the day), refuses 24:01–24:59 naming the camera and rule', () => {
    expect(at('19:00', '24:00').rules![0].schedule).toEqual([{ start: '19:00', end: '24:00' }]);
    expect(at('00:00', '23:59').rules![0].schedule).toHaveLength(1);
    for (const bad of ['24:30', '24:01', '24:59']) {
      expect(errorOf(() => at('19:00', bad)).message).toMatch(/camera 'c', rules\[0\] \(id 'night'\)\.schedule\[0\]\.end: must be HH:MM, 00:00–23:59 or 24:00/);
    }
    expect(errorOf(() => at('24:30', '06:00')).message).toMatch(/rules\[0\] \(id 'night'\)\.schedule\[0\]\.start: must be HH:MM/);
    // Stored before they were refused: still read.
    expect(parseStoredCamera({ id: 'c', url: 'rtsp://h/x', rules: [{ id: 'night', type: 'camera_covered', schedule: [{ start: '19:00', end: '24:30' }] }] }).rules).toHaveLength(1);
  });
});

describe('repeated polygon vertices', () => {
  const url = 'rtsp://h/x';
  const zone = (polygon: number[][]) => ({ id: 'pond', type: 'water', polygon });
  const ring = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]];

  it('drops a closing vertex equal to the first (GeoJSON) and doubled clicks', () => {
    expect(parseCamera({ id: 'c', url, zones: [zone([...ring, [0, 0.5]])] }).zones[0].polygon).toEqual(ring);
    expect(parseCamera({ id: 'c', url, zones: [zone([[0, 0.5], [1, 0.5], [1, 0.5], [1, 1], [0, 1]])] }).zones[0].polygon).toEqual(ring);
    expect(parseCamera({ id: 'c', url, zones: [zone([[0, 0.5], [0, 0.5], [1, 0.5], [1, 1], [1, 1], [0, 1], [0, 0.5]])] }).zones[0].polygon).toEqual(ring);
    expect(parseCamera({ id: 'c', url, masks: [[[0, 0], [0.2, 0], [0.2, 0.1], [0, 0.1], [0, 0]]] }).masks[0]).toHaveLength(4);
  });

  it('still refuses real crossings, naming the edges as written, and repeats that leave no area', () => {
    // bow tie with a doubled first vertex: edges 1 and 3 of the input cross
    expect(errorOf(() => parseCamera({ id: 'c', url, zones: [zone([[0, 0], [0, 0], [1, 1], [1, 0], [0, 1]])] })).message).toMatch(
      /camera 'c', zones\[0\] \(id 'pond'\)\.polygon: polygon edges 1 and 3 cross each other/,
    );
    expect(errorOf(() => parseCamera({ id: 'c', url, zones: [zone([[0, 0.5], [1, 0.5], [0, 0.5]])] })).message).toMatch(
      /camera 'c', zones\[0\] \(id 'pond'\)\.polygon: polygon encloses almost no area/,
    );
    // an out-of-range coordinate after a repeat is named by its index in the input
    expect(errorOf(() => parseCamera({ id: 'c', url, zones: [zone([[0, 0.5], [0, 0.5], [1, 0.5], [1.5, 1], [0, 1]])] })).message).toMatch(/polygon\[3\]\[0\]/);
  });
});

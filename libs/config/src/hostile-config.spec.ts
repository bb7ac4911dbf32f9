import fc from 'fast-check';
import { ConfigError, effectiveRules, parseCamera, parseCameraFile, parseStoredCamera } from './index';
import { configErrorMessage } from './testing';

// Configuration is input too: whatever a YAML file or an API body holds, parsing ends in a camera or
// in a ConfigError whose every line names the camera and the field — never another exception.

const water = (polygon: number[][]) => ({ id: 'pond', type: 'water', polygon });

describe('hostile camera configuration', () => {
  it('refuses degenerate polygons (collinear, repeated points) naming the zone', () => {
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', zones: [water([[0, 0], [0.5, 0.5], [1, 1]])] })).toMatch(
      /camera 'c', zones\[0\] \(id 'pond'\)\.polygon: polygon encloses almost no area \(0\.0 of the frame, minimum 0\.0001\)/,
    );
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', masks: [[[0.2, 0.2], [0.2, 0.2], [0.2, 0.2]]] })).toMatch(/camera 'c', masks\[0\]: polygon encloses almost no area/);
    // A real, small zone is fine.
    expect(parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water([[0.5, 0.5], [0.52, 0.5], [0.52, 0.52]])] }).zones).toHaveLength(1);
  });

  it('refuses self-intersecting and out-of-range polygons and zero-length tripwires, naming the field', () => {
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', zones: [water([[0, 0], [1, 1], [1, 0], [0, 1]])] })).toMatch(/zones\[0\] \(id 'pond'\)\.polygon: polygon edges 0 and 2 cross/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', zones: [water([[0, 0], [-0.1, 0], [1, 1]])] })).toMatch(/zones\[0\] \(id 'pond'\)\.polygon\[1\]\[0\]: .*>=0 \(got -0\.1\)/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', lines: [{ id: 'gate', points: [[0.5, 0.5], [0.5, 0.5]] }] })).toMatch(/lines\[0\] \(id 'gate'\)\.points: the two points are the same/);
  });

  it('gives a zone id of any valid length default rules with valid ids, distinct per zone, instead of throwing', () => {
    const zoneId = (n: number, head = 'p') => `${head}${'o'.repeat(n - 1)}`;
    const poly = [[0, 0], [1, 0], [1, 1]];
    for (const type of ['water', 'no_fishing', 'crowd_area']) {
      const camera = parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [{ id: zoneId(64), type, polygon: poly }, { id: zoneId(64, 'q'), type, polygon: poly }] });
      const ids = effectiveRules(camera).filter((r) => 'zone' in r && r.zone).map((r) => r.id);
      expect(ids.length).toBeGreaterThan(1);
      for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/);
      expect(new Set(ids).size).toBe(ids.length);
      // A stored camera (no checks across fields) loads too.
      expect(parseStoredCamera({ id: 'c', url: 'rtsp://h/x', zones: [{ id: zoneId(64), type, polygon: poly }] }).zones[0].id).toHaveLength(64);
    }
    // Short ids keep their readable names.
    expect(effectiveRules(parseCamera({ id: 'c', url: 'rtsp://h/x', zones: [water([[0, 0], [1, 0], [1, 1]])] })).map((r) => r.id)).toContain('pond.vanish');
  });

  it('names the value and the bound of absurd numbers', () => {
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', fps: 1e9 })).toMatch(/camera 'c', fps: .*<=30 \(got 1000000000\)/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', watchdog: { stallSeconds: -5 } })).toMatch(/watchdog\.stallSeconds: .*>=1 \(got -5\)/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', zones: [water([[0, 0], [1, 0], [1, 1]])], rules: [{ id: 'r', type: 'crowd', zone: 'pond', minCount: 1e6 }] })).toMatch(
      /rules\[0\] \(id 'r'\)\.minCount: .*<=1000 \(got 1000000\)/,
    );
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', fps: '2' })).toMatch(/camera 'c', fps: .*expected number/);
  });

  it('refuses non-RTSP schemes (local files, internal HTTP) and URLs carrying spaces or control characters', () => {
    for (const url of ['file:///etc/passwd', 'http://169.254.169.254/latest/meta-data/', 'https://10.0.0.1/', 'concat:rtsp://a|file:///etc/passwd', 'subfile:,,start,0,end,0,,:/etc/passwd', 'gopher://x/', 'rtmp://10.0.0.1/live']) {
      expect([url, configErrorMessage({ id: 'cam-1', url })]).toEqual([url, expect.stringMatching(/^invalid camera configuration: camera 'cam-1', url: /)]);
    }
    expect(configErrorMessage({ id: 'c', url: 'rtsp://10.0.0.1/main\r\nX-Injected: 1' })).toMatch(/camera 'c', url: must not contain spaces or control characters/);
    expect(configErrorMessage({ id: 'c', url: ' rtsp://10.0.0.1/main' })).toMatch(/url: must not contain spaces/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', subUrl: 'rtsp://h/sub\t' })).toMatch(/subUrl: must not contain spaces/);
    // Messages never repeat the URL (it may carry a password).
    expect(configErrorMessage({ id: 'c', url: 'http://admin:hunter2@10.0.0.1/' })).not.toContain('hunter2');
  });

  it("refuses a '#' (a password typed raw: it would parse as host 'admin', port 123) and accepts it percent-encoded", () => {
    const message = configErrorMessage({ id: 'c', url: 'rtsp://admin:123#abc@10.0.0.7/ch1' });
    expect(message).toBe("invalid camera configuration: camera 'c', url: must not contain '#': write a '#' in a user name or password as %23");
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', subUrl: 'rtsp://h/sub#1' })).toMatch(/subUrl: must not contain '#'/);
    expect(parseCamera({ id: 'c', url: 'rtsp://admin:123%23abc@10.0.0.7/ch1' }).url).toBe('rtsp://admin:123%23abc@10.0.0.7/ch1');
    // A raw '@' is fine: the last one ends the user info, for the URL parser and for ffmpeg alike.
    expect(parseCamera({ id: 'c', url: 'rtsp://admin:Abc@1234@10.0.0.7/ch1' }).url).toBe('rtsp://admin:Abc@1234@10.0.0.7/ch1');
  });

  it('accepts RTSP cameras on private and loopback addresses (cameras live on private networks)', () => {
    for (const url of ['rtsp://192.168.1.64:554/Streaming/Channels/101', 'rtsp://admin:pw@10.20.0.5/main', 'rtsps://172.16.0.9/s', 'rtsp://127.0.0.1:8554/sim', 'rtsp://[fd00::5]/main']) {
      expect(parseCamera({ id: 'c', url }).url).toBe(url);
    }
  });

  it('refuses control characters in display names (they end up in alert messages and logs)', () => {
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', name: 'North\npond' })).toMatch(/camera 'c', name: must not contain control characters/);
    expect(configErrorMessage({ id: 'c', url: 'rtsp://h/x', zones: [{ ...water([[0, 0], [1, 0], [1, 1]]), name: 'a\u0000b' }] })).toMatch(/zones\[0\] \(id 'pond'\)\.name: must not contain control/);
    expect(parseCamera({ id: 'c', url: 'rtsp://h/x', name: "北塘 'north' pond; DROP TABLE" }).name).toBe("北塘 'north' pond; DROP TABLE");
  });

  it('turns any input into a camera or a ConfigError naming the camera (property, 300 runs)', () => {
    const valid = { id: 'pond-1', url: 'rtsp://10.0.0.1/main', zones: [water([[0, 0.5], [1, 0.5], [1, 0.9], [0, 0.9]])] };
    const field = fc.constantFrom('id', 'url', 'subUrl', 'fps', 'zones', 'lines', 'rules', 'masks', 'timezone', 'motion', 'watchdog', 'name', 'extra');
    const mutated = fc.tuple(field, fc.anything({ maxDepth: 3 })).map(([key, value]) => ({ ...valid, [key]: value }));
    fc.assert(
      fc.property(fc.oneof(mutated, fc.anything({ maxDepth: 3 })), (raw) => {
        try {
          parseCamera(raw);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          for (const issue of err.issues) expect(issue).toMatch(/^camera ('[^']*'|\(no id\)|#\d+ \(no id\))/);
        }
      }),
      { seed: 20260607, numRuns: 300 },
    );
  });

  it('reports every bad camera of a file at once and survives YAML that is not a camera list', () => {
    for (const text of ['', 'null', '42', '[1, 2]', 'cameras: 7', 'cameras:\n  - {}\n  - id: x', '{', 'a: &a [*a]']) {
      try {
        parseCameraFile(text, 'cams.yaml');
      } catch (err) {
        expect([text, err]).toEqual([text, expect.any(ConfigError)]);
      }
    }
  });
});

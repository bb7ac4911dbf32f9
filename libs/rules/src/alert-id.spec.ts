import { alertIdOf, fnv1a64 } from './alert-id';

describe('alert ids', () => {
  it('is FNV-1a 64 (published test vectors)', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64('foobar')).toBe('85944171f73967e8');
  });

  it('is stable per (camera, rule, subject, start) and changes with each of them', () => {
    const id = alertIdOf('cam-1', 'water.enter', 'track:7', 1_720_000_000_000);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(alertIdOf('cam-1', 'water.enter', 'track:7', 1_720_000_000_000)).toBe(id);
    const others = [
      alertIdOf('cam-2', 'water.enter', 'track:7', 1_720_000_000_000),
      alertIdOf('cam-1', 'water.vanish', 'track:7', 1_720_000_000_000),
      alertIdOf('cam-1', 'water.enter', 'track:8', 1_720_000_000_000),
      alertIdOf('cam-1', 'water.enter', 'track:7', 1_720_000_000_001),
      alertIdOf('cam-1water.enter', '', 'track:7', 1_720_000_000_000),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
  });
});

import { inWaters, parseWaterRef, waterRef, watersByCamera } from './waters';

describe('school waters', () => {
  it('reads camera/zone references and nothing else', () => {
    expect(parseWaterRef(waterRef('cam-a', 'pond'))).toEqual(['cam-a', 'pond']);
    for (const bad of ['cam-a', '/pond', 'cam-a/', 'cam-a/pond/x', '']) expect(parseWaterRef(bad)).toBeNull();
  });

  it('groups the zones by camera, skipping malformed entries', () => {
    expect(watersByCamera(['cam-a/pond', 'cam-b/river', 'cam-a/ditch', 'junk'])).toEqual(
      new Map([
        ['cam-a', ['pond', 'ditch']],
        ['cam-b', ['river']],
      ]),
    );
  });

  const zoneEnter = (zoneId: string) => ({ zoneId, rule: 'zone_enter' });
  it.each([
    ['no waters: everything', [], 'cam-a', zoneEnter('square'), true],
    ['a listed zone', ['cam-a/pond'], 'cam-a', zoneEnter('pond'), true],
    ['another zone of a camera with waters', ['cam-a/pond'], 'cam-a', zoneEnter('square'), false],
    ['a tripwire crossing (no zone) on a camera with waters', ['cam-a/pond'], 'cam-a', { zoneId: null, rule: 'line_cross' }, false],
    ['a health alert of a camera with waters', ['cam-a/pond'], 'cam-a', { zoneId: null, rule: 'camera_covered' }, true],
    ['the camera itself', ['cam-a/pond'], 'cam-a', undefined, true],
    ['a camera none of whose zones are listed', ['cam-a/pond'], 'cam-b', zoneEnter('square'), true],
    ['a zone id that is a prefix of a listed one', ['cam-a/pond-2'], 'cam-a', zoneEnter('pond'), false],
    ['a camera id that is a prefix of a listed one', ['cam-a2/pond'], 'cam-a', zoneEnter('square'), true],
  ] as const)('%s', (_name, waters, cameraId, alert, expected) => {
    expect(inWaters(waters, cameraId, alert)).toBe(expected);
  });
});

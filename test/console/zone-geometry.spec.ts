// The zone editor's pointer → normalized coordinates: a zone drawn down to the border must reach it,
// or a person below the camera, whose box the border cuts, stands outside it (docs/rules.md).
import { EDGE_SNAP_PIXELS, toNormalized } from '../../apps/console/src/zone-geometry';

const canvas = (width: number, height: number) => ({ left: 100, top: 50, width, height });

describe('toNormalized', () => {
  it.each([
    [960, 540],
    [320, 180],
    [1920, 1080],
  ])('puts a click on the last pixel row or column of a %i × %i canvas on the border', (width, height) => {
    const rect = canvas(width, height);
    expect(toNormalized(rect.left + width - 1, rect.top + height - 1, rect)).toEqual([1, 1]);
    expect(toNormalized(rect.left, rect.top + height - 1, rect)).toEqual([0, 1]);
    expect(toNormalized(rect.left + width / 2, rect.top + 1, rect)).toEqual([0.5, 0]);
  });

  it(`snaps within ${EDGE_SNAP_PIXELS} screen pixels of an edge (at least 0.005), and keeps a point further in`, () => {
    const rect = canvas(960, 540);
    expect(toNormalized(rect.left + EDGE_SNAP_PIXELS, rect.top + 540 - EDGE_SNAP_PIXELS, rect)).toEqual([0, 1]);
    expect(toNormalized(rect.left + 10, rect.top + 530, rect)).toEqual([0.0104, 0.9815]);
    // a large canvas: 4 px is under 0.005 of it, the 0.005 band still snaps
    const large = canvas(4000, 2000);
    expect(toNormalized(large.left + 3990, large.top + 1992, large)).toEqual([1, 1]);
    expect(toNormalized(large.left + 3970, large.top + 1980, large)).toEqual([0.9925, 0.99]);
  });

  it('clamps a pointer outside the canvas to the picture', () => {
    expect(toNormalized(0, 999, canvas(200, 100))).toEqual([0, 1]);
  });
});

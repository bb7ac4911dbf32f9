// A person below the camera, legs out of the picture: the detector clamps the box to the bottom
// border (y1 = 1). A water zone drawn "down to the border" in the console ends a pixel short of it.
import type { Track } from '@xl/tracking';
import { CameraRuleEngine } from './engine';
import { anchorOf, FRAME_EDGE_MARGIN } from './rule';
import { footBox, Run, T0, testCamera } from './testing/scene';

/** The lower half of the picture, as clicked in the console: its lowest row is y = 0.9981 on a 960 × 540 canvas. */
const drawnPond = {
  id: 'pond',
  type: 'water' as const,
  polygon: [
    [0, 0.5],
    [0.999, 0.5],
    [0.999, 0.9981],
    [0, 0.9981],
  ] as [number, number][],
};
const CUT_BY_BOTTOM: [number, number, number, number] = [0.45, 0.6, 0.55, 1];

const track = (box: [number, number, number, number], label = 'person') => ({ box, label }) as Track;
const personRule = { id: 'r', type: 'zone_enter', zone: 'pond', classes: ['person'], enabled: true } as never;
const centerRule = {
  id: 'r',
  type: 'zone_enter',
  zone: 'pond',
  classes: ['person'],
  anchor: 'center',
  enabled: true,
} as never;

describe('a person cut by the bottom border', () => {
  it('stands in a water zone drawn down to the border: zone_enter, then vanish_in_water when gone', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [drawnPond] })));
    run.span(T0, T0 + 10_000, 500, () => [{ id: 1, box: CUT_BY_BOTTOM }]);
    run.span(T0 + 10_000, T0 + 30_000, 500, () => []);
    expect(run.of('created').map((e) => e.rule)).toEqual(expect.arrayContaining(['zone_enter', 'vanish_in_water']));
  });

  it('is tested FRAME_EDGE_MARGIN inside the border; other feet and centres where they are', () => {
    expect(anchorOf(personRule, track(CUT_BY_BOTTOM))).toEqual([0.5, 1 - FRAME_EDGE_MARGIN]);
    expect(anchorOf(personRule, track(footBox(0.5, 0.99)))).toEqual([0.5, 0.99]);
    expect(anchorOf(centerRule, track([0.4, 0.6, 0.6, 0.9]))).toEqual([0.5, 0.75]);
  });

  it('is still outside a zone that ends well above the border', () => {
    const upper = {
      ...drawnPond,
      polygon: [
        [0, 0.5],
        [0.999, 0.5],
        [0.999, 0.9],
        [0, 0.9],
      ] as [number, number][],
    };
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [upper] })));
    run.span(T0, T0 + 10_000, 500, () => [{ id: 1, box: CUT_BY_BOTTOM }]);
    run.span(T0 + 10_000, T0 + 30_000, 500, () => []);
    expect(run.of('created').filter((e) => e.zoneId === 'pond')).toEqual([]);
  });
});

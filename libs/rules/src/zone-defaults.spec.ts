// A water zone drawn after the camera's rules were made explicit (one rule tuned in the console) is
// watched by its zone type's default rules like any other.
import { effectiveRules } from '@xl/config';
import { CameraRuleEngine } from './engine';
import { footBox, Run, T0, testCamera } from './testing/scene';

const north = {
  id: 'north',
  type: 'water' as const,
  polygon: [
    [0, 0.5],
    [0.5, 0.5],
    [0.5, 1],
    [0, 1],
  ] as [number, number][],
};
const south = {
  id: 'south',
  type: 'water' as const,
  polygon: [
    [0.5, 0.5],
    [1, 0.5],
    [1, 1],
    [0.5, 1],
  ] as [number, number][],
};

it('raises zone_enter and vanish_in_water in a water zone added to a camera with explicit rules', () => {
  const explicit = effectiveRules(testCamera({ zones: [north] })).map((r) =>
    r.id === 'north.dwell' ? { ...r, seconds: 60 } : r,
  );
  const run = new Run(new CameraRuleEngine(testCamera({ zones: [north, south], rules: explicit as never })));
  run.span(T0, T0 + 10_000, 500, () => [{ id: 1, box: footBox(0.75, 0.8) }]);
  run.span(T0 + 10_000, T0 + 30_000, 500, () => []);
  expect(run.of('created').map((e) => [e.rule, e.zoneId])).toEqual(
    expect.arrayContaining([
      ['zone_enter', 'south'],
      ['vanish_in_water', 'south'],
    ]),
  );
});

import { effectiveRules, parseCamera } from './index';

const url = 'rtsp://h/x';
const north = {
  id: 'north',
  type: 'water',
  polygon: [
    [0, 0.5],
    [0.5, 0.5],
    [0.5, 1],
    [0, 1],
  ],
};
const south = {
  id: 'south',
  type: 'water',
  polygon: [
    [0.5, 0.5],
    [1, 0.5],
    [1, 1],
    [0.5, 1],
  ],
};
const HEALTH = ['health.covered', 'health.blurred', 'health.frozen', 'health.moved'];
const ids = (rules: { id: string }[]) => rules.map((r) => r.id);

/** What the console saves after one rule was tuned: every effective rule of the camera, made explicit. */
function tuned(zones: unknown[]) {
  return effectiveRules(parseCamera({ id: 'c', url, zones })).map((r) =>
    r.id === 'north.dwell' ? { ...r, seconds: 60 } : r,
  );
}

describe('effectiveRules with explicit rules', () => {
  it('gives a zone that no explicit rule names its zone type defaults, after the explicit rules', () => {
    const explicit = tuned([north]);
    const camera = parseCamera({ id: 'c', url, zones: [north, south], rules: explicit });
    const rules = effectiveRules(camera);
    expect(ids(rules)).toEqual([...ids(explicit), 'south.enter', 'south.dwell', 'south.vanish']);
    // exactly the entries `south` gets without explicit rules
    const alone = effectiveRules(parseCamera({ id: 'c', url, zones: [south] })).filter((r) => 'zone' in r);
    expect(rules.slice(explicit.length)).toEqual(alone);
    expect(rules.find((r) => r.id === 'north.dwell')).toMatchObject({ seconds: 60 });
  });

  it('reads rules: [] as "no custom rules": the defaults, health rules included', () => {
    expect(effectiveRules(parseCamera({ id: 'c', url, zones: [north], rules: [] }))).toEqual(
      effectiveRules(parseCamera({ id: 'c', url, zones: [north] })),
    );
  });

  it('leaves a zone named only by a disabled rule, and a health type only disabled, as the operator chose', () => {
    const rules = [
      { id: 'north.off', type: 'vanish_in_water', zone: 'north', enabled: false },
      { id: 'no-freeze', type: 'camera_frozen', enabled: false },
    ];
    const effective = effectiveRules(parseCamera({ id: 'c', url, zones: [north, south], rules }));
    expect(ids(effective)).toEqual([
      'north.off',
      'no-freeze',
      'south.enter',
      'south.dwell',
      'south.vanish',
      'health.covered',
      'health.blurred',
      'health.moved',
    ]);
  });

  it('adds each default health rule whose type no explicit rule has, whatever the explicit rule is called', () => {
    const rules = [{ id: 'cover', type: 'camera_covered', seconds: 10 }];
    const effective = effectiveRules(parseCamera({ id: 'c', url, rules }));
    expect(effective.map((r) => [r.id, r.type])).toEqual([
      ['cover', 'camera_covered'],
      ['health.blurred', 'camera_blurred'],
      ['health.frozen', 'camera_frozen'],
      ['health.moved', 'camera_moved'],
    ]);
  });

  it('gives a default whose id an explicit rule already has the next free id, so the zone is still watched', () => {
    // 'south' was renamed 'north' and its rules kept their ids; then a new zone took the name 'south'.
    const rules = [
      { id: 'south.vanish', type: 'vanish_in_water', zone: 'north' },
      { id: 'south.vanish-2', type: 'zone_enter', zone: 'north' },
      { id: 'health.frozen', type: 'dwell', zone: 'north' },
    ];
    const effective = effectiveRules(parseCamera({ id: 'c', url, zones: [north, south], rules }));
    expect(effective.map((r) => [r.id, r.type, 'zone' in r ? r.zone : null])).toEqual([
      ['south.vanish', 'vanish_in_water', 'north'],
      ['south.vanish-2', 'zone_enter', 'north'],
      ['health.frozen', 'dwell', 'north'],
      ['south.enter', 'zone_enter', 'south'],
      ['south.dwell', 'dwell', 'south'],
      ['south.vanish-3', 'vanish_in_water', 'south'],
      ['health.covered', 'camera_covered', null],
      ['health.blurred', 'camera_blurred', null],
      ['health.frozen-2', 'camera_frozen', null],
      ['health.moved', 'camera_moved', null],
    ]);
    expect(new Set(ids(effective)).size).toBe(effective.length);
  });

  it('is what it makes explicit: saving the effective rules changes nothing that runs', () => {
    const camera = parseCamera({
      id: 'c',
      url,
      zones: [north, south, { ...south, id: 'square', type: 'crowd_area' }],
      rules: tuned([north]),
    });
    const effective = effectiveRules(camera);
    expect(effectiveRules(parseCamera({ ...camera, rules: effective }))).toEqual(effective);
    expect(ids(effective).filter((id) => id.startsWith('health.'))).toEqual(HEALTH);
  });
});

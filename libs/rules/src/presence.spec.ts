import { CameraRuleEngine } from './engine';
import { footBox, Run, T0, testCamera } from './testing/scene';

const water = { id: 'pond', name: 'North pond', type: 'water' as const, polygon: [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]] as [number, number][] };
const IN = footBox(0.5, 0.6);
const OUT = footBox(0.5, 0.8);
const enterRule = (extra: Record<string, unknown> = {}) => ({ id: 'enter', type: 'zone_enter', zone: 'pond', ...extra });

describe('zone_enter', () => {
  it('counts a person inside only after `inertia` consecutive frames, and outside likewise', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ inertia: 3 })] as never })));
    run.at(T0, [{ id: 1, box: OUT }]);
    expect(run.at(T0 + 500, [{ id: 1, box: IN }])).toEqual([]);
    expect(run.at(T0 + 1000, [{ id: 1, box: IN }])).toEqual([]);
    const [created] = run.at(T0 + 1500, [{ id: 1, box: IN }]);
    expect(created).toMatchObject({
      kind: 'created',
      cameraId: 'cam-1',
      ruleId: 'enter',
      rule: 'zone_enter',
      severity: 'major', // default for a water zone
      zoneId: 'pond',
      trackId: 1,
      startedAt: T0 + 500, // first frame of the run
      capturedAt: T0 + 1500,
      score: 0.8,
      message: "person in water zone 'North pond'",
    });
    expect(created.boxes).toEqual([{ box: IN, label: 'person', score: 0.8, trackId: 1 }]);
    expect(run.at(T0 + 2000, [{ id: 1, box: OUT }])).toEqual([]);
    expect(run.at(T0 + 2500, [{ id: 1, box: OUT }])).toEqual([]);
    const [ended] = run.at(T0 + 3000, [{ id: 1, box: OUT }]);
    expect(ended).toMatchObject({ kind: 'ended', alertId: created.alertId, message: "person left water zone 'North pond'" });
  });

  it('does not count an interrupted run, nor frames where the track is lost', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ inertia: 2 })] as never })));
    run.at(T0, [{ id: 1, box: IN }]);
    run.at(T0 + 500, [{ id: 1, box: OUT }]);
    run.at(T0 + 1000, [{ id: 1, box: IN }]);
    expect(run.at(T0 + 1500, [])).toEqual([]); // lost: neither in nor out
    expect(run.at(T0 + 2000, [{ id: 1, box: IN }])).toMatchObject([{ kind: 'created', startedAt: T0 + 1000 }]);
    // A lost member is not "leaving".
    expect(run.at(T0 + 2500, [])).toEqual([]);
    expect(run.at(T0 + 3000, [{ id: 1, box: OUT }])).toEqual([]);
    expect(run.at(T0 + 3500, [{ id: 1, box: IN }])).toEqual([]);
    expect(run.of('ended')).toEqual([]);
  });

  it('respects classes, minScore and minBoxHeight; an untrusted sighting breaks an entering run', () => {
    const rule = enterRule({ inertia: 2, minScore: 0.35, minBoxHeight: 0.05 });
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [rule] as never })));
    run.span(T0, T0 + 3000, 500, (t) => [
      // A boat never triggers a person rule.
      { id: 1, box: IN, label: 'boat' },
      // A flickering "person" (a hydrant at 0.30–0.38) never gets two trusted frames in a row.
      { id: 2, box: footBox(0.2, 0.6), score: (t - T0) % 1000 === 0 ? 0.38 : 0.3 },
      // Too small to trust.
      { id: 3, box: footBox(0.8, 0.6, 0.04) },
    ]);
    expect(run.events).toEqual([]);
    run.at(T0 + 3000, [{ id: 4, box: IN, score: 0.35 }]);
    expect(run.at(T0 + 3500, [{ id: 4, box: IN, score: 0.36 }])).toMatchObject([{ kind: 'created', trackId: 4 }]);
    // Once inside, low-score sightings inside neither end nor restart it.
    run.span(T0 + 4000, T0 + 6000, 500, () => [{ id: 4, box: IN, score: 0.2 }]);
    expect(run.of('ended')).toEqual([]);
  });

  it('tests the foot of persons and the centre of other classes unless `anchor` says otherwise', () => {
    const tall = footBox(0.5, 0.6, 0.4); // foot in the zone, centre above it
    const foot = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    foot.span(T0, T0 + 1500, 500, () => [{ id: 1, box: tall }]);
    expect(foot.of('created')).toHaveLength(1);
    const center = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ anchor: 'center' })] as never })));
    center.span(T0, T0 + 1500, 500, () => [{ id: 1, box: tall }]);
    expect(center.events).toEqual([]);
    const boats = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ classes: ['boat'] })] as never })));
    boats.span(T0, T0 + 1500, 500, () => [{ id: 1, box: tall, label: 'boat' }]);
    expect(boats.events).toEqual([]);
    boats.span(T0 + 1500, T0 + 3000, 500, () => [{ id: 1, box: footBox(0.5, 0.7, 0.15), label: 'boat' }]);
    expect(boats.of('created')).toMatchObject([{ severity: 'major' }]);
  });

  it('uses the zone-type defaults and severity overrides', () => {
    const noFishing = { id: 'reach', type: 'no_fishing' as const, polygon: water.polygon };
    const engine = new CameraRuleEngine(testCamera({ zones: [noFishing] }));
    expect(engine.rules.map((r) => r.id)).toEqual(['reach.boat', 'health.covered', 'health.blurred', 'health.frozen']);
    const run = new Run(engine);
    run.span(T0, T0 + 1500, 500, () => [{ id: 1, box: footBox(0.5, 0.65, 0.1), label: 'boat', score: 0.25 }]);
    expect(run.of('created')).toMatchObject([{ rule: 'zone_enter', severity: 'warning', message: "boat in zone 'reach'" }]);
    const critical = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ severity: 'critical' })] as never })));
    critical.span(T0, T0 + 1500, 500, () => [{ id: 1, box: IN }]);
    expect(critical.of('created')).toMatchObject([{ severity: 'critical' }]);
    const disabled = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ enabled: false })] as never })));
    disabled.span(T0, T0 + 1500, 500, () => [{ id: 1, box: IN }]);
    expect(disabled.events).toEqual([]);
  });

  it('updates an open alert when the score clearly rises (at most every 2 s) and ends it when the track is removed', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    run.span(T0, T0 + 1000, 500, () => [{ id: 1, box: IN, score: 0.5 }]);
    expect(run.of('created')).toHaveLength(1);
    expect(run.at(T0 + 1000, [{ id: 1, box: IN, score: 0.55 }])).toEqual([]); // not enough gain
    expect(run.at(T0 + 1500, [{ id: 1, box: IN, score: 0.7 }])).toEqual([]); // too soon
    expect(run.at(T0 + 2500, [{ id: 1, box: IN, score: 0.7 }])).toMatchObject([{ kind: 'updated', score: 0.7 }]);
    expect(run.at(T0 + 5000, [{ id: 1, box: IN, score: 0.75 }])).toEqual([]);
    run.span(T0 + 5500, T0 + 7500, 500);
    const [ended] = run.at(T0 + 7500);
    expect(ended).toMatchObject({ kind: 'ended', trackId: 1, score: 0.75, message: 'person track 1 is gone from the picture' });
    expect(new Set(run.events.map((e) => e.alertId)).size).toBe(1);
  });

  it('waits cooldownSeconds after an alert ends before the same track fires again, with a new id', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ cooldownSeconds: 60 })] as never })));
    const inside = () => [{ id: 1, box: IN }];
    const outside = () => [{ id: 1, box: OUT }];
    run.span(T0, T0 + 1000, 500, inside);
    run.span(T0 + 1000, T0 + 2000, 500, outside);
    expect(run.of('ended')).toMatchObject([{ capturedAt: T0 + 1500 }]);
    run.span(T0 + 2000, T0 + 61_000, 500, (t) => ((t - T0) % 4000 < 2000 ? inside() : outside()));
    expect(run.of('created')).toHaveLength(1);
    run.span(T0 + 62_000, T0 + 63_000, 500, inside);
    const created = run.of('created');
    expect(created).toHaveLength(2);
    expect(created[1].capturedAt).toBeGreaterThanOrEqual(T0 + 61_500);
    expect(created[1].alertId).not.toBe(created[0].alertId);
  });
});

describe('dwell', () => {
  it('fires once the object has stayed `seconds` inside and ends when it leaves', () => {
    const camera = testCamera({ zones: [water], rules: [{ id: 'dwell', type: 'dwell', zone: 'pond', seconds: 10 }] as never });
    const run = new Run(new CameraRuleEngine(camera));
    expect(run.span(T0, T0 + 10_000, 500, () => [{ id: 1, box: IN }])).toEqual([]);
    const [created] = run.at(T0 + 10_000, [{ id: 1, box: IN }]);
    expect(created).toMatchObject({ kind: 'created', rule: 'dwell', severity: 'major', startedAt: T0, trackId: 1 });
    expect(created.message).toBe("person in water zone 'North pond' for 10.0 s (limit 10 s)");
    run.span(T0 + 10_500, T0 + 11_500, 500, () => [{ id: 1, box: OUT }]);
    expect(run.of('ended')).toHaveLength(1);
  });
});

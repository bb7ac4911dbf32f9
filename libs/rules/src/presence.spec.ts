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

  it('does not count outside, weak inside, outside as two in a row outside: the weak sighting inside breaks the leaving run', () => {
    // A struggling swimmer at the waterline: just out, in the water at a low score, just out again.
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ inertia: 2, minScore: 0.35 })] as never })));
    run.span(T0, T0 + 1000, 500, () => [{ id: 1, box: IN }]);
    expect(run.of('created')).toHaveLength(1);
    run.at(T0 + 1500, [{ id: 1, box: OUT }]);
    run.at(T0 + 2000, [{ id: 1, box: IN, score: 0.2 }]);
    run.at(T0 + 2500, [{ id: 1, box: OUT }]);
    expect(run.of('ended')).toEqual([]); // before: ended, "person left water zone"
    run.at(T0 + 3000, [{ id: 1, box: OUT }]);
    expect(run.of('ended')).toHaveLength(1); // two in a row outside
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

  it('needs the entering frames to span inertiaSeconds, whatever the frame rate', () => {
    // 4 fps: two frames are only 0.25 s — as long as a passer-by hides someone's legs (measured on
    // safe-waterside: the foot point of a half-hidden person rose 0.1 into the water zone for 2 frames).
    const brief = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    brief.at(T0, [{ id: 1, box: OUT }]);
    brief.at(T0 + 250, [{ id: 1, box: IN }]);
    brief.at(T0 + 500, [{ id: 1, box: IN }]);
    brief.span(T0 + 750, T0 + 2000, 250); // then lost (an id switch): no more observations
    expect(brief.events).toEqual([]);
    // Three frames over 0.5 s are an entry, dated from the first of them.
    const wade = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    wade.at(T0, [{ id: 1, box: OUT }]);
    wade.at(T0 + 250, [{ id: 1, box: IN }]);
    expect(wade.at(T0 + 500, [{ id: 1, box: IN }])).toEqual([]);
    expect(wade.at(T0 + 750, [{ id: 1, box: IN }])).toMatchObject([{ kind: 'created', startedAt: T0 + 250 }]);
    // Leaving takes as long: two frames outside at 4 fps do not end it, the third does.
    wade.at(T0 + 1000, [{ id: 1, box: OUT }]);
    expect(wade.at(T0 + 1250, [{ id: 1, box: OUT }])).toEqual([]);
    expect(wade.at(T0 + 1500, [{ id: 1, box: OUT }])).toMatchObject([{ kind: 'ended' }]);
    // inertiaSeconds 0 restores a pure frame count.
    const frames = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ inertiaSeconds: 0 })] as never })));
    frames.at(T0 + 250, [{ id: 1, box: IN }]);
    expect(frames.at(T0 + 500, [{ id: 1, box: IN }])).toMatchObject([{ kind: 'created' }]);
    // At 2 fps two frames are enough, even when they come a little early (capture jitter).
    const slow = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    slow.at(T0, [{ id: 1, box: IN }]);
    expect(slow.at(T0 + 480, [{ id: 1, box: IN }])).toMatchObject([{ kind: 'created', startedAt: T0 }]);
  });

  it('does not let a box cut by the side of the picture enter: its foot is not where the person is', () => {
    // Measured on safe-waterside: leaving the picture on the right, the detector boxed the visible
    // sliver, whose bottom rose from 0.72 to 0.51 — into the water zone beside the walker.
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    run.span(T0, T0 + 3000, 250, (t) => [
      { id: 1, box: [0.93 + (t - T0) / 100_000, 0.35, 1, 0.6] },
      { id: 2, box: [0, 0.4, 0.04, 0.62] },
    ]);
    expect(run.events).toEqual([]);
    // A member walking out sideways is not "leaving" on those frames either: its alert ends when the
    // track is gone.
    const out = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    out.span(T0, T0 + 1000, 250, () => [{ id: 1, box: footBox(0.9, 0.6, 0.2, 0.1) }]);
    expect(out.of('created')).toHaveLength(1);
    out.span(T0 + 1000, T0 + 3000, 250, () => [{ id: 1, box: [0.96, 0.4, 1, 0.8] }]);
    expect(out.of('ended')).toEqual([]);
    out.span(T0 + 3000, T0 + 5500, 250);
    expect(out.of('ended')).toMatchObject([{ message: 'person track 1 is gone from the picture' }]);
  });

  it('takes a foot cut by the bottom of the picture at the border: zones drawn down to it contain it', () => {
    const shore = { id: 'shore', type: 'water' as const, polygon: [[0, 0.6], [1, 0.6], [1, 1], [0, 1]] as [number, number][] };
    const rules = [{ id: 'enter', type: 'zone_enter', zone: 'shore' }] as never;
    const near = new Run(new CameraRuleEngine(testCamera({ zones: [shore], rules })));
    near.span(T0, T0 + 1500, 500, () => [{ id: 1, box: [0.4, 0.5, 0.5, 1] }]);
    expect(near.of('created')).toHaveLength(1);
    // Not in a zone that stops short of the border.
    const band = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    band.span(T0, T0 + 1500, 500, () => [{ id: 1, box: [0.4, 0.5, 0.5, 1] }]);
    expect(band.events).toEqual([]);
    // The centre of a box cut by any edge says nothing about where a boat is.
    const boats = new Run(new CameraRuleEngine(testCamera({ zones: [shore], rules: [{ id: 'b', type: 'zone_enter', zone: 'shore', classes: ['boat'] }] as never })));
    boats.span(T0, T0 + 1500, 500, () => [{ id: 1, box: [0.4, 0.7, 0.6, 1], label: 'boat' }]);
    expect(boats.events).toEqual([]);
    boats.span(T0 + 1500, T0 + 3000, 500, () => [{ id: 1, box: [0.4, 0.7, 0.6, 0.95], label: 'boat' }]);
    expect(boats.of('created')).toHaveLength(1);
  });

  it('uses the zone-type defaults and severity overrides', () => {
    const noFishing = { id: 'reach', type: 'no_fishing' as const, polygon: water.polygon };
    const engine = new CameraRuleEngine(testCamera({ zones: [noFishing] }));
    expect(engine.rules.map((r) => r.id)).toEqual(['reach.boat', 'health.covered', 'health.blurred', 'health.frozen', 'health.moved']);
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

  it('relates the alert of a new track near a lost one to the lost one: the same person, one alert for the operators', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    run.span(T0, T0 + 1500, 500, () => [{ id: 1, box: IN }]);
    const [first] = run.of('created');
    // Lost for 2.5 s (a wave), removed; seen again a little to the right as track 2.
    run.span(T0 + 1500, T0 + 4000, 500);
    expect(run.of('ended')).toMatchObject([{ alertId: first.alertId, trackId: 1 }]);
    run.span(T0 + 4000, T0 + 5500, 500, () => [{ id: 2, box: footBox(0.53, 0.62) }]);
    const second = run.of('created')[1];
    expect(second).toMatchObject({ trackId: 2, relatedAlertId: first.alertId, message: "person in water zone 'North pond' again (track 1 lost 3.0 s before, seen again as track 2)" });
    // Its later events carry the relation too (the API follows it to the alert it merged into).
    run.span(T0 + 5500, T0 + 8500, 500);
    expect(run.of('ended')[1]).toMatchObject({ alertId: second.alertId, relatedAlertId: first.alertId });
  });

  it('relates a new track to the nearest lost person, not the one seen last: B back where B was is not "A seen again"', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    const A = footBox(0.3, 0.6);
    const B = footBox(0.55, 0.6);
    run.span(T0, T0 + 3500, 500, () => [{ id: 1, box: A }, { id: 2, box: B }]);
    run.span(T0 + 3500, T0 + 4500, 500, () => [{ id: 1, box: A }]); // B hidden at 3.5 s, A under at 4.5 s
    run.span(T0 + 4500, T0 + 5000, 500);
    run.span(T0 + 5000, T0 + 6500, 500, () => [{ id: 3, box: B }]);
    const created = run.of('created');
    const alertOf = (trackId: number) => created.find((e) => e.trackId === trackId)?.alertId;
    expect(created.map((e) => e.trackId)).toEqual([1, 2, 3]);
    expect(created[2].relatedAlertId).toBe(alertOf(2));
  });

  it('relates it also while the earlier track is still lost (the tracker has not given up on it yet)', () => {
    const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule()] as never })));
    run.span(T0, T0 + 1500, 500, () => [{ id: 1, box: IN }]);
    run.span(T0 + 1500, T0 + 2500, 500, () => [{ id: 2, box: footBox(0.52, 0.6) }]);
    expect(run.of('ended')).toEqual([]);
    expect(run.of('created')[1]).toMatchObject({ trackId: 2, relatedAlertId: run.of('created')[0].alertId });
  });

  it('does not relate a new track far from the lost one, of another class, seen before it was lost, or 30 s later', () => {
    const far = footBox(0.9, 0.6);
    for (const [name, script] of [
      ['far away', (t: number) => (t < T0 + 4000 ? [] : [{ id: 2, box: far }])],
      ['a boat', (t: number) => (t < T0 + 4000 ? [] : [{ id: 2, box: IN, label: 'boat' }])],
      ['already there', (t: number) => [{ id: 2, box: t < T0 + 4000 ? OUT : IN }]],
      ['too late', (t: number) => (t < T0 + 34_500 ? [] : [{ id: 2, box: IN }])],
    ] as const) {
      const run = new Run(new CameraRuleEngine(testCamera({ zones: [water], rules: [enterRule({ classes: ['person', 'boat'] })] as never })));
      // Track 2 of "already there" walks on the shore while track 1 is in the water.
      run.span(T0, T0 + 1500, 500, () => [{ id: 1, box: IN }, ...(name === 'already there' ? [{ id: 2, box: OUT }] : [])]);
      run.span(T0 + 1500, T0 + 36_000, 500, script);
      const created = run.of('created');
      expect([name, created.length, created[1]?.relatedAlertId]).toEqual([name, 2, undefined]);
    }
  });

  it('keeps what it remembers of lost tracks across a state round trip, and loads states saved before it', () => {
    const camera = testCamera({ zones: [water], rules: [enterRule()] as never });
    const run = new Run(new CameraRuleEngine(camera));
    run.span(T0, T0 + 4000, 500, (t) => (t < T0 + 1500 ? [{ id: 1, box: IN }] : []));
    const resumed = new Run(CameraRuleEngine.fromJSON(camera, JSON.parse(JSON.stringify(run.engine.toJSON()))));
    resumed.span(T0 + 4000, T0 + 5500, 500, () => [{ id: 2, box: IN }]);
    expect(resumed.of('created')).toMatchObject([{ trackId: 2, relatedAlertId: run.of('created')[0].alertId }]);

    // Saved before lost tracks were remembered: the rule's state was the membership alone.
    const saved = JSON.parse(JSON.stringify(run.engine.toJSON()));
    saved.rules.enter.state = saved.rules.enter.state.members;
    const old = new Run(CameraRuleEngine.fromJSON(camera, saved));
    old.span(T0 + 4000, T0 + 5500, 500, () => [{ id: 2, box: IN }]);
    expect(old.of('created')).toMatchObject([{ trackId: 2 }]);
    expect(old.of('created')[0].relatedAlertId).toBeUndefined();
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

import type { Box } from '@xl/contracts';
import { ByteTracker } from '@xl/tracking';
import { CameraRuleEngine } from './engine';
import type { RuleEvent } from './types';
import { MAX_COVER_HOLD_MS } from './vanish';
import { footBox, Run, T0, testCamera } from './testing/scene';

const water = { id: 'sea', type: 'water' as const, polygon: [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]] as [number, number][] };
const IN = footBox(0.5, 0.6);
const OUT = footBox(0.5, 0.8);

/** Defaults: enter (inertia 2), dwell 30 s, vanish (lostSeconds 3, minTrackedSeconds 1), health. */
function run(lostBufferMs = 2000, cameraExtra: Record<string, unknown> = {}): Run {
  return new Run(new CameraRuleEngine(testCamera({ zones: [water], ...cameraExtra })), lostBufferMs);
}

/**
 * Real tracker and engine at 2 fps: `seen(t)` (seconds) gives the person boxes of each frame until
 * `untilS`. Returns the created events as [rule, trackId, capturedAt s].
 */
function tracked(zones: unknown[], untilS: number, seen: (t: number) => Array<[Box, number]>): Array<[RuleEvent['rule'], number | undefined, number]> {
  const engine = new CameraRuleEngine(testCamera({ zones: zones as never }));
  const tracker = new ByteTracker();
  const events: RuleEvent[] = [];
  for (let k = 0; k * 0.5 <= untilS; k++) {
    const t = T0 + k * 500;
    const { tracks, removed } = tracker.update(seen(k * 0.5).map(([box, score]) => ({ box, score, classId: 0, label: 'person' })), t);
    events.push(...engine.evaluate({ capturedAt: t, tracks, removed }));
  }
  return events.filter((e) => e.kind === 'created').map((e) => [e.rule, e.trackId, (e.capturedAt - T0) / 1000]);
}

/** Walks in from the sand and stays in the water until `until` (exclusive), frames every 0.5 s. */
function wadeIn(r: Run, until: number, box = IN): void {
  r.at(T0, [{ id: 1, box: OUT }]);
  r.span(T0 + 500, until, 500, () => [{ id: 1, box }]);
}

describe('vanish_in_water', () => {
  it('raises a critical alert lostSeconds after the last sighting in the water, past the tracker removing the track', () => {
    const r = run();
    wadeIn(r, T0 + 4000); // in the water 0.5–3.5 s
    const enter = r.of('created', 'zone_enter')[0];
    expect(enter).toBeDefined();
    expect(r.engine.isHot()).toBe(true); // someone is in the water
    r.span(T0 + 4000, T0 + 6500, 500); // lost; removed at 6.0 s (> 2 s lost buffer)
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    expect(r.engine.isHot()).toBe(true);
    const [vanish] = r.at(T0 + 6500).filter((e) => e.rule === 'vanish_in_water');
    expect(vanish).toMatchObject({
      kind: 'created',
      rule: 'vanish_in_water',
      ruleId: 'sea.vanish',
      severity: 'critical',
      zoneId: 'sea',
      trackId: 1,
      startedAt: T0 + 3500,
      relatedAlertId: enter.alertId,
      message: "person last seen in water zone 'sea' 3.0 s ago and not seen leaving: possible drowning",
    });
    expect(vanish.boxes).toEqual([{ box: IN, label: 'person', score: 0.8, trackId: 1 }]);
    expect(r.engine.isHot()).toBe(false);
    r.span(T0 + 7000, T0 + 30_000, 500);
    expect(r.of('created')).toHaveLength(2);
  });

  it('fires at lostSeconds whatever the frame rate; of a gap without frames only 1.5 s counts', () => {
    const r = run(10_000);
    wadeIn(r, T0 + 4000);
    expect(r.at(T0 + 4500).filter((e) => e.rule === 'vanish_in_water')).toEqual([]);
    expect(r.at(T0 + 5500).filter((e) => e.rule === 'vanish_in_water')).toEqual([]);
    expect(r.at(T0 + 6499).filter((e) => e.rule === 'vanish_in_water')).toEqual([]);
    expect(r.at(T0 + 6500).filter((e) => e.rule === 'vanish_in_water')).toHaveLength(1);
    // The next frame 5.5 s after the last sighting (a Redis failover): the person is not declared
    // drowned for frames that did not come; 1.5 s of observed frames later they are.
    const late = run();
    wadeIn(late, T0 + 4000);
    expect(late.at(T0 + 9000).filter((e) => e.rule === 'vanish_in_water')).toEqual([]);
    expect(late.span(T0 + 9500, T0 + 10_500, 500).filter((e) => e.rule === 'vanish_in_water')).toEqual([]);
    expect(late.at(T0 + 10_500).filter((e) => e.rule === 'vanish_in_water')).toMatchObject([
      { kind: 'created', startedAt: T0 + 3500, message: "person last seen in water zone 'sea' 7.0 s ago and not seen leaving: possible drowning" },
    ]);
  });

  it('counts steady slow frames in full (analyzers behind): only a gap out of the camera rhythm is discounted', () => {
    // Every frame 3 s apart from the start: the camera's rhythm, not frames that failed to come.
    const r = run(10_000);
    r.at(T0, [{ id: 1, box: OUT }]);
    for (let t = T0 + 3000; t <= T0 + 9000; t += 3000) r.at(t, [{ id: 1, box: IN }]);
    expect(r.engine.gapCapSeconds()).toBe(6);
    expect(r.at(T0 + 12_000).filter((e) => e.rule === 'vanish_in_water')).toMatchObject([{ kind: 'created', startedAt: T0 + 9000 }]);
    // The rhythm survives a state round trip; a fresh camera starts from its frame rate (2 fps: 1.5 s).
    expect(CameraRuleEngine.fromJSON(testCamera({ zones: [water] }), JSON.parse(JSON.stringify(r.engine.toJSON()))).gapCapSeconds()).toBe(6);
    expect(run().engine.gapCapSeconds()).toBe(1.5);
  });

  it('is not raised when the person left the water before being lost', () => {
    // Left as zone_enter counts it: two sightings outside in a row, 0.4 s apart or more.
    const r = run();
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 5000, 500, () => [{ id: 1, box: OUT }]);
    r.span(T0 + 5000, T0 + 12_000, 500);
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    // Out, back in for a moment, out again: the last two sightings decide.
    const back = run();
    wadeIn(back, T0 + 4000);
    back.at(T0 + 4000, [{ id: 1, box: OUT }]);
    back.at(T0 + 4500, [{ id: 1, box: IN }]);
    back.span(T0 + 5000, T0 + 6000, 500, () => [{ id: 1, box: OUT }]);
    back.span(T0 + 6000, T0 + 12_000, 500);
    expect(back.of('created', 'vanish_in_water')).toEqual([]);
  });

  it('is still raised when the one sighting before the person was lost lay just outside the water', () => {
    // A box that jitters across the waterline, or a struggling swimmer's low, cut-off box: one
    // sighting outside is not leaving (as for zone_enter). Counted from that sighting, the last one.
    const r = run();
    wadeIn(r, T0 + 4000);
    const edge = footBox(0.5, 0.72);
    r.at(T0 + 4000, [{ id: 1, box: edge, score: 0.2 }]);
    expect(r.of('ended', 'zone_enter')).toEqual([]); // zone_enter does not take it for leaving either
    r.span(T0 + 4500, T0 + 7000, 500);
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    expect(r.at(T0 + 7000).filter((e) => e.rule === 'vanish_in_water')).toMatchObject([
      { kind: 'created', startedAt: T0 + 4000, score: 0.2, boxes: [{ box: edge }], message: "person last seen in water zone 'sea' 3.0 s ago and not seen leaving: possible drowning" },
    ]);
  });

  it('keeps the candidate of a swimmer drifting partly out of view at the frame edge: their going under is raised', () => {
    // Near the left edge, then cut by it: the sliver's box shrinks from below too, its "foot" (0.45)
    // above the water. Taken for leaving, two such sightings dropped the candidate and nothing came.
    const r = run();
    const near = footBox(0.05, 0.6);
    const sliver: Box = [0, 0.3, 0.02, 0.45];
    wadeIn(r, T0 + 4000, near);
    r.span(T0 + 4000, T0 + 6000, 500, () => [{ id: 1, box: sliver, score: 0.4 }]); // 4–5.5 s
    expect(r.of('ended', 'zone_enter')).toEqual([]); // unknown for zone_enter too, not leaving
    r.span(T0 + 6000, T0 + 8500, 500); // under
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    // Counted from the last sighting; the place and box are the last ones that said where they were.
    expect(r.at(T0 + 8500).filter((e) => e.rule === 'vanish_in_water')).toMatchObject([
      { kind: 'created', startedAt: T0 + 5500, score: 0.8, boxes: [{ box: near }], message: "person last seen in water zone 'sea' 3.0 s ago and not seen leaving: possible drowning" },
    ]);
    // Seen at the edge again, the alert ends (someone is there) and a second disappearance is raised anew.
    expect(r.at(T0 + 9000, [{ id: 1, box: sliver, score: 0.4 }]).filter((e) => e.rule === 'vanish_in_water')).toMatchObject([{ kind: 'ended' }]);
    r.span(T0 + 9500, T0 + 12_500, 500);
    expect(r.of('created', 'vanish_in_water').map((e) => e.startedAt - T0)).toEqual([5500, 9000]);
  });

  it('starts no candidate on a box cut by the frame edge', () => {
    const r = run();
    r.span(T0, T0 + 4000, 500, () => [{ id: 1, box: [0, 0.4, 0.04, 0.6] }]); // foot in the water, cut by the edge
    r.span(T0 + 4000, T0 + 12_000, 500);
    expect(r.of('created')).toEqual([]);
  });

  it('is not raised when the person re-appears before lostSeconds; ends when they re-appear later', () => {
    const r = run(5000);
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 6000, 500); // 2.5 s unseen
    r.span(T0 + 6000, T0 + 8000, 500, () => [{ id: 1, box: IN }]);
    r.span(T0 + 8000, T0 + 10_500, 500); // 2.5 s unseen again
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    r.span(T0 + 10_500, T0 + 11_500, 500); // now 3+ s
    const [vanish] = r.of('created', 'vanish_in_water');
    expect(vanish).toMatchObject({ startedAt: T0 + 7500 });
    const back = r.at(T0 + 11_500, [{ id: 1, box: IN }]).filter((e) => e.rule === 'vanish_in_water');
    expect(back).toMatchObject([{ kind: 'ended', alertId: vanish.alertId, message: 'person 1 is seen again' }]);
  });

  it('keeps a low-score but still tracked swimmer from counting as vanished', () => {
    const r = run();
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 12_000, 500, () => [{ id: 1, box: footBox(0.5, 0.6, 0.05), score: 0.12 }]);
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    r.span(T0 + 12_000, T0 + 16_000, 500);
    expect(r.of('created', 'vanish_in_water')).toMatchObject([{ startedAt: T0 + 11_500, score: 0.12 }]);
  });

  it('ignores tracks that were in the water for less than minTrackedSeconds', () => {
    const r = run();
    r.at(T0, [{ id: 1, box: OUT }]);
    r.at(T0 + 500, [{ id: 1, box: IN }]);
    r.at(T0 + 1000, [{ id: 1, box: IN }]); // 0.5 s in the water
    r.span(T0 + 1500, T0 + 10_000, 500);
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    expect(r.engine.isHot()).toBe(false);
  });

  it("counts the stay from the track's first detection, which the tracker did not report (2 fps: in the water 0–1 s, then under)", () => {
    /** Real tracker (confirmHits 2): reported from its second detection on. Returns the vanish events. */
    const replay = (firstBox: typeof IN) => {
      const engine = new CameraRuleEngine(testCamera({ zones: [water] }));
      const tracker = new ByteTracker();
      const events = [];
      for (let k = 0; k <= 12; k++) {
        const t = T0 + k * 500;
        const seen = k === 0 ? [firstBox] : k <= 2 ? [IN] : [];
        const { tracks, removed } = tracker.update(seen.map((box) => ({ box, score: 0.8, classId: 0, label: 'person' })), t);
        events.push(...engine.evaluate({ capturedAt: t, tracks, removed }));
      }
      return events.filter((e) => e.kind === 'created').map((e) => ({ rule: e.rule, trackId: e.trackId, startedAt: e.startedAt - T0, capturedAt: e.capturedAt - T0 }));
    };
    // Seen in the water at 0, 0.5 and 1.0 s: 1 s in the water, minTrackedSeconds met. Counted from
    // the first report (0.5 s) it was 0.5 s and nothing was raised.
    expect(replay(IN)).toEqual([
      { rule: 'zone_enter', trackId: 1, startedAt: 500, capturedAt: 1000 },
      { rule: 'vanish_in_water', trackId: 1, startedAt: 1000, capturedAt: 4000 },
    ]);
    // First detected just out of the water (the same track): the stay starts at its first sighting
    // in the water (0.5 s), 0.5 s is too short.
    expect(replay(footBox(0.5, 0.705))).toEqual([{ rule: 'zone_enter', trackId: 1, startedAt: 500, capturedAt: 1000 }]);
  });

  it('is raised when a bystander on the bank crouches over the spot where a child went under (tracker: the seen track picks first)', () => {
    // Waterline at y 0.53. Child A stands in the water (foot 0.55), adult B on the bank (foot 0.52).
    const pond = { id: 'pond', type: 'water', polygon: [[0, 0.53], [1, 0.53], [1, 1], [0, 1]] };
    const A: Box = [0.4, 0.45, 0.45, 0.55];
    const B: Box = [0.4, 0.35, 0.45, 0.52];
    const crouched: Box = [0.4, 0.43, 0.45, 0.52];
    const events = tracked([pond], 8, (t) => (t <= 1.5 ? [[A, 0.8], [B, 0.8]] : t === 2 ? [[B, 0.8]] : [[crouched, 0.8]]));
    // B's crouching box overlaps A's last box more than B's own: it took A's track, whose sightings on
    // the bank then counted as A leaving the water — no vanish at all. Now B keeps it.
    expect(events).toEqual([
      ['zone_enter', 1, 1],
      ['vanish_in_water', 1, 4.5],
    ]);
  });

  it("is not raised for a part-of-person box that stops being detected while the whole person is in view (tracker + engine)", () => {
    // A legs-and-torso box P beside the whole person W (IoU 0.43, kept by NMS), both feet in the water.
    const W: Box = [0.4, 0.3, 0.46, 0.6];
    const P: Box = [0.4, 0.471, 0.46, 0.6];
    const events = tracked([water], 6, (t) => (t <= 1.5 ? [[W, 0.7], [P, 0.4]] : [[W, 0.7]]));
    // P's track was a candidate of its own (1.5 s in the water): "possible drowning" at 4.5 s until now.
    expect(events.filter(([rule]) => rule === 'vanish_in_water')).toEqual([]);
    expect(events.filter(([rule]) => rule === 'zone_enter').map(([, id]) => id)).toEqual([1, 2]);
  });

  it('holds, not drops, the alarm while someone of the same class stands in the water over the spot; raises it when the spot is clear', () => {
    // The trade-off: a child going under wholly in front of a tracked adult is reported only once the
    // adult moves off the spot (from there as late as the whole time unseen).
    const r = run(60_000);
    const adult = footBox(0.5, 0.62, 0.3, 0.1);
    const child = footBox(0.5, 0.6, 0.15, 0.05);
    r.at(T0, [{ id: 1, box: child }, { id: 2, box: adult }]);
    r.span(T0 + 500, T0 + 2000, 500, () => [{ id: 1, box: child }, { id: 2, box: adult }]);
    r.span(T0 + 2000, T0 + 8000, 500, () => [{ id: 2, box: adult }]);
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    const moved = footBox(0.7, 0.62, 0.3, 0.1);
    expect(r.at(T0 + 8000, [{ id: 2, box: moved }]).filter((e) => e.kind === 'created')).toMatchObject([
      { rule: 'vanish_in_water', trackId: 1, startedAt: T0 + 1500, message: "person last seen in water zone 'sea' 6.5 s ago and not seen leaving: possible drowning" },
    ]);
    // Held at most MAX_COVER_HOLD_MS past lostSeconds: something mistaken for a person standing over the
    // spot for good (a post) does not hold the drowning for ever.
    const post = run(60_000);
    post.at(T0, [{ id: 1, box: child }, { id: 2, box: adult }]);
    post.span(T0 + 500, T0 + 2000, 500, () => [{ id: 1, box: child }, { id: 2, box: adult }]);
    post.span(T0 + 2000, T0 + 20_000, 500, () => [{ id: 2, box: adult }]);
    expect(post.of('created', 'vanish_in_water')).toMatchObject([{ trackId: 1, capturedAt: T0 + 1500 + 3000 + MAX_COVER_HOLD_MS }]);
    // Standing over the spot on the bank (its foot outside the water) holds nothing.
    const bank = run(60_000);
    const onBank = footBox(0.5, 0.75, 0.4, 0.1);
    bank.span(T0, T0 + 2000, 500, () => [{ id: 1, box: child }]);
    bank.span(T0 + 2000, T0 + 6000, 500, () => [{ id: 2, box: onBank }]);
    expect(bank.of('created', 'vanish_in_water')).toMatchObject([{ trackId: 1, capturedAt: T0 + 4500 }]);
  });

  it('treats a new track close to the last sighting as the same swimmer resurfacing', () => {
    const r = run();
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 6000, 500); // removed at 6.0 s…
    r.span(T0 + 6000, T0 + 12_000, 500, () => [{ id: 2, box: footBox(0.52, 0.61) }]); // …and up again at 6.0 s
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    // A new person far away does not cancel anything.
    const far = run();
    wadeIn(far, T0 + 4000);
    far.span(T0 + 4000, T0 + 6000, 500);
    far.span(T0 + 6000, T0 + 12_000, 500, () => [{ id: 2, box: footBox(0.1, 0.6) }]);
    expect(far.of('created', 'vanish_in_water')).toHaveLength(1);
    // Resurfacing after the alarm ends it.
    const after = run();
    wadeIn(after, T0 + 4000);
    after.span(T0 + 4000, T0 + 8000, 500);
    expect(after.of('created', 'vanish_in_water')).toHaveLength(1);
    after.span(T0 + 8000, T0 + 10_000, 500, () => [{ id: 2, box: footBox(0.48, 0.6) }]);
    expect(after.of('ended', 'vanish_in_water')).toMatchObject([{ trackId: 1, message: 'person 1 resurfaced as track 2' }]);
  });

  it('one swimmer resurfacing ends only their own candidacy: another who stays under is still reported', () => {
    // A and B in the water; B under at 3.5 s, A at 4.0 s; B back at 5.0 s as track 3, where B was.
    const A = footBox(0.3, 0.6);
    const B = footBox(0.55, 0.6);
    const r = run(10_000);
    r.span(T0, T0 + 3500, 500, () => [{ id: 1, box: A }, { id: 2, box: B }]);
    r.span(T0 + 3500, T0 + 4500, 500, () => [{ id: 1, box: A }]);
    r.at(T0 + 4500, []);
    r.span(T0 + 5000, T0 + 12_000, 500, () => [{ id: 3, box: B }]);
    expect(r.of('created', 'vanish_in_water').map((e) => e.trackId)).toEqual([1]);
    expect(r.of('ended', 'vanish_in_water')).toEqual([]);
    // Both under at once, one back as a new track: the nearer candidacy is the one it continues.
    const both = run(10_000);
    both.span(T0, T0 + 4000, 500, () => [{ id: 1, box: A }, { id: 2, box: B }]);
    both.at(T0 + 4000, []);
    both.span(T0 + 4500, T0 + 12_000, 500, () => [{ id: 3, box: footBox(0.5, 0.6) }]);
    expect(both.of('created', 'vanish_in_water').map((e) => e.trackId)).toEqual([1]);
    // A track that continued one candidacy ends no other on a later frame either.
    const later = run(10_000);
    later.span(T0, T0 + 3000, 500, () => [{ id: 1, box: A }, { id: 2, box: B }]);
    later.span(T0 + 3000, T0 + 4000, 500, () => [{ id: 1, box: A }]); // B under at 3.0 s
    later.span(T0 + 4000, T0 + 12_000, 500, () => [{ id: 3, box: footBox(0.5, 0.6) }]); // B back as 3 at 4.0 s; A under
    expect(later.of('created', 'vanish_in_water').map((e) => e.trackId)).toEqual([1]);
  });

  it('reports a swimmer who bobs up and goes under again at once (no cooldown by default)', () => {
    const r = run(60_000);
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 7000, 500); // under: reported at 6.5 s
    r.span(T0 + 7000, T0 + 8000, 500, () => [{ id: 1, box: IN }]); // up for a second
    r.span(T0 + 8000, T0 + 11_000, 500); // under again
    const created = r.of('created', 'vanish_in_water');
    expect(created.map((e) => [e.capturedAt, e.startedAt])).toEqual([
      [T0 + 6500, T0 + 3500],
      [T0 + 10_500, T0 + 7500],
    ]);
    // Both name the zone_enter alert, so the operators see one alert going critical again.
    const enter = r.of('created', 'zone_enter')[0];
    expect(created.map((e) => e.relatedAlertId)).toEqual([enter.alertId, enter.alertId]);
  });

  it('carries the candidacy to the resurfaced track: its later vanishing is reported though its own stay was short and untrusted', () => {
    const r = run();
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 5000, 500); // lost for 1 s…
    // …up again as a new track, barely seen (score 0.2, under the rule's minScore) for 0.5 s, then gone.
    r.span(T0 + 5000, T0 + 6000, 500, () => [{ id: 2, box: footBox(0.51, 0.6), score: 0.2 }]);
    expect(r.of('created', 'vanish_in_water')).toEqual([]);
    r.span(T0 + 6000, T0 + 10_000, 500);
    const enter = r.of('created', 'zone_enter')[0];
    expect(r.of('created', 'vanish_in_water')).toMatchObject([{ trackId: 2, startedAt: T0 + 5500, capturedAt: T0 + 8500, relatedAlertId: enter.alertId }]);
  });

  it('forgets the alerts of swimmers who never came back: the state of a busy bathing spot stays bounded', () => {
    const r = run();
    // A swimmer every 10 s for 10 min, each in the water for 3 s and never seen again; eight spots
    // far enough apart that no one is taken for an earlier one resurfacing.
    for (let i = 1; i <= 60; i++) {
      const start = T0 + (i - 1) * 10_000;
      const x = 0.06 + (i % 8) * 0.11;
      r.at(start, [{ id: i, box: footBox(x, 0.8, 0.05, 0.03) }]);
      r.span(start + 500, start + 3500, 500, () => [{ id: i, box: footBox(x, 0.6, 0.05, 0.03) }]);
      r.span(start + 3500, start + 10_000, 500);
    }
    expect(r.of('created', 'vanish_in_water')).toHaveLength(60);
    // Each stays open for the operators (no `ended`) but leaves the book 60 s after its track's
    // removal: the last 7 swimmers' alerts at most, not all 60.
    expect(r.of('ended', 'vanish_in_water')).toEqual([]);
    const open = r.engine.toJSON().alerts.open;
    expect(open.length).toBeLessThanOrEqual(7);
    expect(open.every((a) => a.rule === 'vanish_in_water' && a.trackId! > 53)).toBe(true);
  });

  it('does not fire outside its schedule', () => {
    // 12:00 in Shanghai at T0; the rule only runs at night.
    const camera = testCamera({
      zones: [water],
      rules: [{ id: 'v', type: 'vanish_in_water', zone: 'sea', schedule: [{ start: '19:00', end: '06:00' }] }] as never,
    });
    const r = new Run(new CameraRuleEngine(camera));
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 12_000, 500);
    expect(r.events).toEqual([]);
  });

  it('fires after the cooldown when the same track vanishes again soon after re-appearing', () => {
    const camera = testCamera({ zones: [water], rules: [{ id: 'v', type: 'vanish_in_water', zone: 'sea', cooldownSeconds: 10 }] as never });
    const r = new Run(new CameraRuleEngine(camera), 60_000);
    wadeIn(r, T0 + 4000);
    r.span(T0 + 4000, T0 + 7000, 500);
    r.span(T0 + 7000, T0 + 9000, 500, () => [{ id: 1, box: IN }]);
    expect(r.of('ended')).toMatchObject([{ capturedAt: T0 + 7000 }]);
    r.span(T0 + 9000, T0 + 20_000, 500);
    const created = r.of('created');
    expect(created).toHaveLength(2);
    expect(created[1]).toMatchObject({ capturedAt: T0 + 17_000, startedAt: T0 + 8500 });
  });
});

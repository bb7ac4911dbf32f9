// The scenario clips' ground truth (actor boxes every 0.5 s) fed as detections through the real
// tracker and the rule engine with the clips' zones and the default rules of each zone type.
import { readFileSync } from 'node:fs';
import type { Box, Detection } from '@xl/contracts';
import type { ZoneConfig } from '@xl/config';
import { describeWithShared, sharedPath } from '@xl/testing';
import { ByteTracker } from '@xl/tracking';
import { CameraRuleEngine } from './engine';
import { T0, testCamera } from './testing/scene';
import type { RuleEvent } from './types';

interface Keyframe {
  t: number;
  bbox: Box;
  visible_frac: number;
}
interface Truth {
  duration_s: number;
  zones: ZoneConfig[];
  actors: Array<{ id: string; class: string; visible_s: [number, number]; keyframes: Keyframe[] }>;
}

const CLIPS = ['drowning_sub', 'safe-waterside_sub', 'crowd_sub', 'night-boat_sub'].map((c) => `media/clips/${c}.truth.json`);
const STEP_S = 0.5;
const COCO: Record<string, number> = { person: 0, boat: 8 };

function loadTruth(name: string): Truth {
  return JSON.parse(readFileSync(sharedPath(`media/clips/${name}.truth.json`) as string, 'utf8')) as Truth;
}

/** Detection score of an actor in a frame; the default is a confident detector. */
type Scorer = (actor: string, t: number, k: number) => number | null;

/**
 * Runs the clip at 2 fps: each actor whose keyframe falls on the frame, that is inside its visible
 * interval and at least half in the picture, becomes a detection (or is missed when the scorer says null).
 * Returns the events and a lookup from a reported box to the actor it belongs to.
 */
function play(truth: Truth, scorer: Scorer = () => 0.8): { events: RuleEvent[]; actorOf: (box: Box) => string | undefined } {
  const camera = testCamera({ zones: truth.zones.map((z) => ({ id: z.id, type: z.type, polygon: z.polygon })) });
  const tracker = new ByteTracker();
  const engine = new CameraRuleEngine(camera);
  const owner = new Map<string, string>();
  const events: RuleEvent[] = [];
  for (let k = 0; k * STEP_S <= truth.duration_s; k++) {
    const t = k * STEP_S;
    const detections: Detection[] = [];
    for (const actor of truth.actors) {
      const kf = actor.keyframes.find((f) => Math.abs(f.t - t) < 1e-6);
      if (!kf || t < actor.visible_s[0] || t >= actor.visible_s[1] || kf.visible_frac < 0.5) continue;
      const score = scorer(actor.id, t, k);
      if (score === null) continue;
      owner.set(JSON.stringify(kf.bbox), actor.id);
      detections.push({ box: kf.bbox, score, classId: COCO[actor.class], label: actor.class });
    }
    const capturedAt = T0 + Math.round(t * 1000);
    const { tracks, removed } = tracker.update(detections, capturedAt);
    events.push(...engine.evaluate({ capturedAt, tracks, removed }));
  }
  return { events, actorOf: (box) => owner.get(JSON.stringify(box)) };
}

const secondsOf = (e: RuleEvent) => (e.capturedAt - T0) / 1000;

describeWithShared(CLIPS)('scenario truth through tracker and rules', () => {
  it('drowning: A enters the water (≤ 1 s late), then vanishes (≤ 5 s late); nothing about B', () => {
    // Half submerged from 10.2 s the detector is less sure (0.52 measured with YOLOX-nano).
    const { events, actorOf } = play(loadTruth('drowning_sub'), (actor, t) => (actor === 'A' && t >= 10.2 ? 0.52 : 0.8));
    const created = events.filter((e) => e.kind === 'created');
    expect(created.map((e) => e.rule)).toEqual(['zone_enter', 'vanish_in_water']);
    const [enter, vanish] = created;
    expect(actorOf(enter.boxes[0].box)).toBe('A');
    expect(secondsOf(enter)).toBeGreaterThanOrEqual(8.12);
    expect(secondsOf(enter)).toBeLessThanOrEqual(8.12 + 1);
    expect(enter.severity).toBe('major');
    expect(actorOf(vanish.boxes[0].box)).toBe('A');
    expect(vanish).toMatchObject({ trackId: enter.trackId, severity: 'critical', relatedAlertId: enter.alertId });
    expect(secondsOf(vanish)).toBeGreaterThanOrEqual(14);
    expect(secondsOf(vanish)).toBeLessThanOrEqual(14 + 5);
    for (const e of events) expect(e.trackId).toBe(enter.trackId);
  });

  it('safe waterside: three people close to the water never raise anything', () => {
    expect(play(loadTruth('safe-waterside_sub')).events).toEqual([]);
  });

  it('crowd: 8 people from 21.4 s raise the crowd alert within 3 s', () => {
    const { events } = play(loadTruth('crowd_sub'));
    const created = events.filter((e) => e.kind === 'created');
    expect(created.map((e) => e.rule)).toEqual(['crowd']);
    expect(secondsOf(created[0])).toBeGreaterThanOrEqual(21.4);
    expect(secondsOf(created[0])).toBeLessThanOrEqual(21.4 + 3);
    expect(created[0].boxes.length).toBeGreaterThanOrEqual(8);
  });

  it('crowd: each person missed in one frame of eight (at different moments), the crowd of 8 from 21.4 s is still raised within 3 s', () => {
    // Review 2026-12-03 (rules-crowd-night), finding 2: counting only the tracks matched in the frame
    // kept the count under 8 until a ninth and tenth person came (27 s).
    const truth = loadTruth('crowd_sub');
    const index = new Map(truth.actors.map((a, i) => [a.id, i]));
    const { events } = play(truth, (actor, _t, k) => ((k + (index.get(actor) ?? 0)) % 8 === 0 ? null : 0.8));
    const created = events.filter((e) => e.kind === 'created');
    expect(created.map((e) => e.rule)).toEqual(['crowd']);
    expect(secondsOf(created[0])).toBeGreaterThanOrEqual(21.4);
    expect(secondsOf(created[0])).toBeLessThanOrEqual(21.4 + 3);
  });

  it('night boat: the boat centre entering the no-fishing zone at 22.6 s raises zone_enter within 3 s, despite gaps and weak scores', () => {
    // Scores 0.20–0.65 and every fourth frame missed, as YOLOX-nano does on this clip.
    const { events, actorOf } = play(loadTruth('night-boat_sub'), (_a, _t, k) => (k % 4 === 3 ? null : 0.2 + ((k * 37) % 10) * 0.05));
    const created = events.filter((e) => e.kind === 'created');
    expect(created.map((e) => `${e.rule}:${e.severity}`)).toEqual(['zone_enter:warning']);
    expect(actorOf(created[0].boxes[0].box)).toBe('BOAT');
    expect(created[0].boxes[0].label).toBe('boat');
    expect(secondsOf(created[0])).toBeGreaterThanOrEqual(22.6);
    expect(secondsOf(created[0])).toBeLessThanOrEqual(22.6 + 3);
  });
});

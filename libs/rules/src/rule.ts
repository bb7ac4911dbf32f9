// What every rule evaluator shares: the per-frame context it sees and the interface the engine drives.
import type { AlertBox, Box, Severity } from '@xl/contracts';
import type { LineConfig, RuleConfig, ZoneConfig } from '@xl/config';
import { centerPoint, containedShare, footPoint, pointInPolygon, type Point } from '@xl/geometry';
import type { Track } from '@xl/tracking';
import { subjectKey, type AlertBook, type AlertSpec } from './alert-book';
import type { Sighting } from './membership';
import type { FrameQualitySample } from './types';

export interface RuleContext {
  now: number;
  /** The rule's schedule contains `now`. */
  scheduled: boolean;
  tracks: readonly Track[];
  removed: readonly Track[];
  quality?: FrameQualitySample;
  /** Frame differences of sampled frames since the previous evaluated frame (before `now`), oldest first. */
  earlierDifferences: readonly { at: number; difference: number }[];
  /**
   * Time since the previous evaluated frame that counts as observed: at most the engine's
   * gapCapSeconds() of a gap — frames that never came are not time an object was looked for. 0 on the first frame.
   */
  countedMs: number;
  /** The longest step between frames counted as the camera's rhythm (CameraRuleEngine.gapCapSeconds), ms. */
  gapCapMs?: number;
  book: AlertBook;
}

export interface RuleEvaluator {
  readonly rule: RuleConfig;
  step(ctx: RuleContext): void;
  /** Needs frames even without motion (a countdown or hold running, someone in the water): keep the camera hot. */
  busy(): boolean;
  toJSON(): unknown;
  load(json: unknown): void;
}

type ObjectRule = Extract<RuleConfig, { classes: string[] }>;

/** Rule-type defaults, used when a rule sets no `severity`. */
export function severityOf(rule: RuleConfig, zone?: ZoneConfig): Severity {
  if (rule.severity) return rule.severity;
  switch (rule.type) {
    case 'vanish_in_water':
      return 'critical';
    case 'zone_enter':
    case 'dwell':
      return zone?.type === 'water' ? 'major' : 'warning';
    case 'camera_covered':
    case 'camera_frozen':
    case 'camera_moved':
      return 'major';
    case 'crowd':
    case 'line_cross':
    case 'camera_blurred':
      return 'warning';
  }
}

export function watches(rule: ObjectRule, track: Track): boolean {
  return rule.classes.includes(track.label);
}

/**
 * A box side closer than this to the frame edge is cut by it (normalized frame units; the detector
 * clamps boxes to the picture, and one pixel of a 416-wide model input on a 16:9 frame is 0.0043).
 */
export const FRAME_EDGE_MARGIN = 0.005;

function anchorKind(rule: ObjectRule, track: Track): 'foot' | 'center' {
  return rule.anchor ?? (track.label === 'person' ? 'foot' : 'center');
}

/**
 * The anchor says where the object is. Not when the box is cut by the left or right frame edge: the
 * detector boxes only the visible part, whose bottom-centre or centre drifts as the object walks out
 * of the picture (measured on safe-waterside: leaving on the right, a person's box bottom rose from
 * 0.72 to 0.51, a "foot" in the water zone beside them). A box cut by the bottom edge still has a usable foot (at the border,
 * the feet are just below it) but no usable centre; the top edge matters to the centre only.
 */
export function anchorMeasurable(rule: ObjectRule, track: Track): boolean {
  const [x0, y0, x1, y1] = track.box;
  if (x0 <= FRAME_EDGE_MARGIN || x1 >= 1 - FRAME_EDGE_MARGIN) return false;
  return anchorKind(rule, track) === 'foot' || (y0 > FRAME_EDGE_MARGIN && y1 < 1 - FRAME_EDGE_MARGIN);
}

/** Passes the rule's minScore and minBoxHeight, and its anchor is measurable (not cut by the frame edge). */
export function trusted(rule: ObjectRule, track: Track): boolean {
  return track.score >= rule.minScore && track.box[3] - track.box[1] >= rule.minBoxHeight && anchorMeasurable(rule, track);
}

/**
 * The point tested against zones and lines: foot (bottom-centre) for persons, centre otherwise, unless
 * set. A foot on the bottom border (the box cut by it: clamped to 1, or within FRAME_EDGE_MARGIN) is
 * tested FRAME_EDGE_MARGIN inside it: a zone drawn "down to the border" in the console may end a pixel
 * short of 1 (its lowest click row, y ≈ 0.998 on a 540 px canvas), and a person standing below the
 * camera, legs out of the picture, must be inside it. The centre needs no such inset: a box cut by
 * the bottom edge has no measurable centre (anchorMeasurable), and an uncut box's centre lies well
 * inside the picture.
 */
export function anchorOf(rule: ObjectRule, track: Track): Point {
  if (anchorKind(rule, track) === 'center') return centerPoint(track.box);
  const [x, y] = footPoint(track.box);
  return [x, Math.min(y, 1 - FRAME_EDGE_MARGIN)];
}

/**
 * Where the track is for the zone: inside and trusted, inside but failing the rule's score or height
 * ('weak'), outside, or 'unknown' wherever the anchor is when it is not measurable (cut by the frame
 * edge, it says nothing about leaving either).
 */
export function sightingOf(rule: ObjectRule, track: Track, zone: ZoneConfig): Sighting {
  if (!anchorMeasurable(rule, track)) return 'unknown';
  if (!pointInPolygon(anchorOf(rule, track), zone.polygon)) return 'outside';
  return trusted(rule, track) ? 'inside' : 'weak';
}

/** A new track within max(this, SAME_OBJECT_SIZES × last box size) of a lost one's last sighting may be the same object. */
const SAME_OBJECT_MIN_DISTANCE = 0.05;
const SAME_OBJECT_SIZES = 1.5;

/**
 * `track` could be the object last seen at `anchor` with `box` under another track id: same class,
 * born after that sighting, its anchor within reach of it (normalized units; reach grows with the box,
 * so a near person may have moved further on screen than a far one).
 */
export function mayContinue(rule: ObjectRule, track: Track, last: { label: string; lastSeenAt: number; anchor: Point; box: readonly number[] }): boolean {
  if (track.label !== last.label || track.firstSeenAt <= last.lastSeenAt) return false;
  const reach = Math.max(SAME_OBJECT_MIN_DISTANCE, SAME_OBJECT_SIZES * Math.max(last.box[2] - last.box[0], last.box[3] - last.box[1]));
  const p = anchorOf(rule, track);
  return anchorDistance(p, last.anchor) <= reach;
}

/** How far apart two anchors are (normalized units): the measure mayContinue's reach and pairing by nearness use. */
export function anchorDistance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/**
 * Share of a box inside another box of the same class at or above which it is taken for a part of
 * that object: YOLOX sometimes keeps a legs-and-torso box beside the whole person (IoU 0.43, under
 * the NMS threshold, docs/detection.md); two people side by side overlap far less.
 */
export const PART_SHARE = 0.7;

/** `box` lies at least PART_SHARE inside `whole`. */
export function partOf(box: Box, whole: Box): boolean {
  return containedShare(box, whole) >= PART_SHARE;
}

export function alertBoxOf(track: Track): AlertBox {
  return { box: [...track.box], label: track.label, score: track.score, trackId: track.trackId };
}

export function zoneText(zone: ZoneConfig): string {
  return `${zone.type === 'water' ? 'water zone' : 'zone'} '${zone.name ?? zone.id}'`;
}

export function lineText(line: LineConfig): string {
  return `line '${line.name ?? line.id}'`;
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The fields of an alert that come from its rule (and zone). */
export function ruleFields(rule: RuleConfig, zone?: ZoneConfig): Pick<AlertSpec, 'ruleId' | 'rule' | 'severity' | 'zoneId'> {
  return { ruleId: rule.id, rule: rule.type, severity: severityOf(rule, zone), ...(zone ? { zoneId: zone.id } : {}) };
}

/** Ends the alerts of tracks the tracker removed in this frame (per-track rules). */
export function endRemoved(ctx: RuleContext, rule: RuleConfig): void {
  for (const t of ctx.removed) {
    ctx.book.end(subjectKey(rule.id, { kind: 'track', trackId: t.trackId }), ctx.now, `${t.label} track ${t.trackId} is gone from the picture`, rule.cooldownSeconds);
  }
}

/** The condition of `spec` holds in this frame: update its open alert, or open one if the rule is scheduled. */
export function raise(ctx: RuleContext, spec: AlertSpec): void {
  const key = subjectKey(spec.ruleId, spec.subject);
  if (ctx.book.isOpen(key)) ctx.book.update(key, { score: spec.score, boxes: spec.boxes, message: spec.message, level: spec.level }, ctx.now);
  else if (ctx.scheduled) ctx.book.create(spec, ctx.now);
}

/** Outside its schedule a rule raises nothing and its open alerts end. */
export function endIfUnscheduled(ctx: RuleContext, rule: RuleConfig): void {
  if (ctx.scheduled) return;
  const message = `rule '${rule.id}' is outside its schedule`;
  for (const key of ctx.book.openKeysOf(rule.id)) ctx.book.end(key, ctx.now, message, rule.cooldownSeconds);
}

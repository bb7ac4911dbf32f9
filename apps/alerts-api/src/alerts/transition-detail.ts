// What the API itself records in an alert's audit trail (the intake opening or merging an event, the
// escalation, a camera coming back) as data, next to the English sentence in `note`. A console shows
// the sentence in its reader's language from these facts; a zh-CN operator must be able to read why
// an alert climbed to the county without reading English. The note is built here from the same facts,
// so the two never disagree.
import type { AlertEvent, RuleType, Severity } from '@xl/contracts';
import type { RegionLevel } from '../db/schema';

/** The analyzer event a transition is about, enough to say it in any language. */
export interface TransitionEventFacts {
  eventId: string;
  rule: RuleType;
  ruleId: string;
  zoneId: string | null;
  /** Labels of the event's boxes, in order (the first is the object the sentence is about; the count is the crowd). */
  labels: string[];
  /** The analyzer's own English sentence. */
  message: string;
}

/** A region as it was named when the transition happened. */
export interface TransitionRegionFacts {
  id: string;
  name: string;
  level: RegionLevel;
}

export type TransitionDetail =
  /** The intake opened the alert for this event. */
  | { kind: 'opened'; event: TransitionEventFacts }
  /**
   * A later event of another rule on the same track was merged into this alert: it took the alert over
   * (`takesOver`, e.g. zone_enter → vanish_in_water) or only relates to it.
   */
  | { kind: 'superseded'; takesOver: boolean; previousRule: RuleType; severityFrom: Severity; severityTo: Severity; event: TransitionEventFacts }
  /** A later event of the same condition raised the severity. */
  | { kind: 'severity_raised'; severityFrom: Severity; severityTo: Severity; event: TransitionEventFacts }
  /** Nobody acknowledged within the severity's SLA: handed to the parent region. */
  | { kind: 'escalated'; slaSeconds: number; fromRegion: TransitionRegionFacts; toRegion: TransitionRegionFacts }
  /**
   * A camera_offline alert resolved because the camera is back (and stayed up CAMERA_STABLE_SECONDS):
   * `offlineSeconds` from the outage's start to `backAt`, when it came back for good (null when the
   * start is unknown); `drops` > 1: a flapping link, dark that many times in the outage. Rows written
   * before `backAt` and `drops` existed have neither.
   */
  | { kind: 'camera_recovered'; offlineSeconds: number | null; backAt?: number; drops?: number }
  /**
   * A camera_offline alert closed because its camera was taken out of service while dark (disabled,
   * deleted): nobody watches it any more, and no recovery will come to end the outage.
   */
  | { kind: 'camera_out_of_service'; reason: 'disabled' | 'deleted'; offlineSeconds: number; drops: number }
  /**
   * A camera_offline alert of an unstable link (health.unstable) closed because the camera then stayed
   * dark `thresholdSeconds` (CAMERA_OFFLINE_ALERT_SECONDS) from `darkSince`: blind, no longer
   * flickering, it is a new outage with its own camera offline alert, `offlineAlertId`.
   */
  | { kind: 'superseded_by_offline'; offlineAlertId: string; darkSince: number; thresholdSeconds: number }
  /** Someone called a person of the camera's site from the alert (a `note`; who called is the actor). */
  | { kind: 'called'; contact: { name: string; role: string | null; phone: string } };

/** The details that say when a camera_offline alert's outage ended (reports read its length from them). */
export const OUTAGE_END_KINDS = ['camera_recovered', 'superseded_by_offline'] as const;
export type OutageEndKind = (typeof OUTAGE_END_KINDS)[number];

export function eventFacts(event: AlertEvent): TransitionEventFacts {
  return {
    eventId: event.alertId,
    rule: event.rule,
    ruleId: event.ruleId,
    zoneId: event.zoneId ?? null,
    labels: event.boxes.map((b) => b.label),
    message: event.message,
  };
}

/** The English sentence stored as the transition's note. */
export function transitionNote(d: TransitionDetail): string {
  switch (d.kind) {
    case 'opened':
      return d.event.message;
    case 'superseded': {
      const { rule, ruleId, eventId, message } = d.event;
      return d.takesOver
        ? `${rule} (rule '${ruleId}', event '${eventId}') superseded ${d.previousRule}, severity ${d.severityFrom} → ${d.severityTo}: ${message}`
        : `${rule} (rule '${ruleId}', event '${eventId}') related to this ${d.previousRule} alert, severity stays ${d.severityTo}: ${message}`;
    }
    case 'severity_raised':
      return `severity ${d.severityFrom} → ${d.severityTo}: ${d.event.message}`;
    case 'escalated':
      return `not acknowledged within ${d.slaSeconds} s: escalated from ${d.fromRegion.level} '${d.fromRegion.name}' to ${d.toRegion.level} '${d.toRegion.name}'`;
    case 'camera_recovered':
      return `camera back online${d.offlineSeconds !== null ? ` after ${d.offlineSeconds} s offline` : ''}${d.drops !== undefined && d.drops > 1 ? ` (an unstable link: dark ${d.drops} times in between)` : ''}`;
    case 'camera_out_of_service':
      return `camera ${d.reason} while offline (for ${d.offlineSeconds} s${d.drops > 1 ? `, dark ${d.drops} times` : ''}): no longer watched, outage closed`;
    case 'superseded_by_offline':
      return `the unstable link stayed dark for ${d.thresholdSeconds} s from ${new Date(d.darkSince).toISOString()}: the camera is offline, superseded by alert '${d.offlineAlertId}'`;
    case 'called':
      return `called ${d.contact.name}${d.contact.role ? ` (${d.contact.role})` : ''} at ${d.contact.phone}`;
  }
}

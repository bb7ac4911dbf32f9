// An alert in the reader's language. The analyzer writes its message in English with the figures
// that explain it ("person last seen in water zone 'pond' 3.3 s ago …"); a township operator or a
// school teacher reading Chinese gets a sentence built from the alert's own fields instead, and the
// analyzer's text stays available as the technical detail.
import { type Lang, translate } from './i18n';
import type { Alert } from './types';

/**
 * What the sentence is built from: an alert, or an event in its timeline (boxes reduced to labels).
 * The zone is named by its display name when the camera gives it one ("北塘"), else by its id.
 */
type AlertFacts = Pick<Alert, 'rule' | 'zoneId' | 'message'> & { ruleId?: string; zoneName?: string | null; boxes: readonly { label: string }[] };

/** The rule id alerts-api gives a camera_offline of a link dark a large share of the time in short drops. */
const UNSTABLE_LINK_RULE_ID = 'health.unstable';

const ZH_OBJECT: Record<string, string> = { person: '有人', boat: '船只' };

function zhObject(a: AlertFacts): string {
  const label = a.boxes[0]?.label;
  return label ? (ZH_OBJECT[label] ?? label) : '有人';
}

function zhZone(a: AlertFacts, kind: string): string {
  const zone = a.zoneName?.trim() || a.zoneId;
  return zone ? `${kind}「${zone}」` : kind;
}

const ZH: Record<string, (a: AlertFacts) => string> = {
  zone_enter: (a) => `${zhObject(a)}进入${zhZone(a, '区域')}`,
  dwell: (a) => `${zhObject(a)}在${zhZone(a, '区域')}内逗留`,
  vanish_in_water: (a) => `${zhObject(a)}在${zhZone(a, '水域')}内消失，未见离开：疑似溺水`,
  crowd: (a) => `${zhZone(a, '区域')}内人员聚集（${a.boxes.length} 人）`,
  line_cross: (a) => `${zhObject(a)}越过${zhZone(a, '警戒线')}`,
  camera_covered: () => '镜头被遮挡或画面全黑，请检查摄像头',
  camera_blurred: () => '画面模糊，请检查镜头',
  camera_frozen: () => '画面冻结不动，请检查摄像头',
  camera_moved: () => '摄像头画面移位（被转动或碰歪），划定的水域可能已不在水面上，请检查',
  // A link that keeps dropping is not "offline" when the operator opens the live view: say what it is.
  camera_offline: (a) => (a.ruleId === UNSTABLE_LINK_RULE_ID ? '摄像头网络不稳，频繁掉线，画面时有时无，请检查线路' : '摄像头离线，收不到画面'),
};

/** The alert's sentence in `lang`: zh-CN from its fields, English the analyzer's own text. */
export function alertText(lang: Lang, a: AlertFacts): string {
  if (lang === 'en') return a.message;
  return ZH[a.rule]?.(a) ?? a.message;
}

/** The analyzer's text when it is not what `alertText` shows (for the detail view). */
export function alertDetailText(lang: Lang, a: AlertFacts): string | null {
  return alertText(lang, a) === a.message ? null : a.message;
}

/**
 * Whole seconds the alert's scene is older than its capture time (the camera's stream arrived late
 * with its newest evidence), or null when that is under 2 s: not worth a reader's attention.
 */
export function lateSeconds(alert: Pick<Alert, 'streamDelaySeconds'>): number | null {
  const seconds = alert.streamDelaySeconds ?? 0;
  return seconds >= 2 ? Math.round(seconds) : null;
}

/** A warning about the camera itself (covered, blurred, frozen, moved, offline), not about a person. */
export function isCameraFault(alert: Pick<Alert, 'rule'>): boolean {
  return alert.rule.startsWith('camera_');
}

/**
 * The headline of a school's full-screen warning: a possible drowning for the rules about people in
 * the water; a critical camera alert (covered, offline…) is a camera fault, not a reason to run to the water.
 */
export function schoolWarningTitle(lang: Lang, alert: Pick<Alert, 'rule'>): string {
  return translate(lang, isCameraFault(alert) ? 'school.cameraFault' : 'school.warning');
}

// The timeline of an alert in the reader's language. What people typed stays as typed; what the API
// did itself (opened, merged, raised, escalated, resolved a camera that came back) carries its facts
// (`detail`, docs/api.md), and a zh-CN reader gets a sentence built from them instead of the API's
// English note — a township operator must see why the alert went up to the county.
import { alertText } from './alert-text';
import { formatDuration } from './format';
import { type Lang, translateValue } from './i18n';
import type { Transition, TransitionDetail, TransitionEventFacts } from './types';

/** A zone's display name by its id (the alert's own zone), or null to show the id. */
export type ZoneNames = (zoneId: string | null) => string | null;

function eventSentence(lang: Lang, e: TransitionEventFacts, zoneNames: ZoneNames): string {
  return alertText(lang, { rule: e.rule, ruleId: e.ruleId, zoneId: e.zoneId, zoneName: zoneNames(e.zoneId), message: e.message, boxes: e.labels.map((label) => ({ label })) });
}

const ZH: { [K in TransitionDetail['kind']]: (d: Extract<TransitionDetail, { kind: K }>, zoneNames: ZoneNames) => string } = {
  opened: (d, zoneNames) => eventSentence('zh-CN', d.event, zoneNames),
  superseded: (d, zoneNames) => {
    const event = eventSentence('zh-CN', d.event, zoneNames);
    const rule = (r: string) => translateValue('zh-CN', 'rule', r);
    const severity = (s: string) => translateValue('zh-CN', 'severity', s);
    return d.takesOver
      ? `由「${rule(d.previousRule)}」转为「${rule(d.event.rule)}」，级别 ${severity(d.severityFrom)} → ${severity(d.severityTo)}。${event}`
      : `与本告警（${rule(d.previousRule)}）相关，级别保持${severity(d.severityTo)}。${event}`;
  },
  severity_raised: (d, zoneNames) =>
    `级别 ${translateValue('zh-CN', 'severity', d.severityFrom)} → ${translateValue('zh-CN', 'severity', d.severityTo)}。${eventSentence('zh-CN', d.event, zoneNames)}`,
  escalated: (d) => {
    const region = (r: { name: string; level: string }) => `${translateValue('zh-CN', 'level', r.level)}「${r.name}」`;
    return `${formatDuration(d.slaSeconds * 1000, 'zh-CN')}内无人确认，由${region(d.fromRegion)}上报至${region(d.toRegion)}`;
  },
  camera_recovered: (d) => {
    const flapped = d.drops !== undefined && d.drops > 1 ? `，期间掉线 ${d.drops} 次，链路不稳` : '';
    return d.offlineSeconds === null ? `摄像头恢复在线${flapped ? `（${flapped.slice(1)}）` : ''}` : `摄像头恢复在线（离线 ${formatDuration(d.offlineSeconds * 1000, 'zh-CN')}${flapped}）`;
  },
  camera_out_of_service: (d) =>
    `摄像头${d.reason === 'disabled' ? '已停用' : '已删除'}，离线 ${formatDuration(d.offlineSeconds * 1000, 'zh-CN')}${d.drops > 1 ? `（期间掉线 ${d.drops} 次）` : ''}：不再监控，本次离线告警关闭`,
  superseded_by_offline: (d) => `网络不稳的摄像头持续离线超过 ${formatDuration(d.thresholdSeconds * 1000, 'zh-CN')}，已转为摄像头离线，见新的离线告警`,
  called: (d) => `致电 ${d.contact.name}${d.contact.role ? `（${d.contact.role}）` : ''} ${d.contact.phone}`,
};

/**
 * What the timeline says about a transition besides its action: the system's sentence in `lang`, or
 * the note a person typed (`quoted`). Null when there is nothing to say.
 */
export function transitionNote(lang: Lang, tr: Pick<Transition, 'note' | 'detail'>, zoneNames: ZoneNames = () => null): { text: string; quoted: boolean } | null {
  const d = tr.detail;
  if (d && lang === 'zh-CN') {
    const say = ZH[d.kind] as ((d: TransitionDetail, zoneNames: ZoneNames) => string) | undefined;
    if (say) return { text: say(d, zoneNames), quoted: false };
  }
  if (!tr.note) return null;
  return { text: tr.note, quoted: !d };
}

/** Who did it: a system actor by its role in the reader's language, a person or key by name. */
export function actorName(lang: Lang, actor: Transition['actor']): string {
  return actor.kind === 'system' ? translateValue(lang, 'actor', actor.id) : actor.name;
}

// The console's pure logic (apps/console/src/*.ts without JSX), run by jest like any unit test.
import { initialValue, patchBody, type EditField } from '../../apps/console/src/admin-patch';
import { alarmKey, raisedNow, RAISED_RECENTLY_MS, applyMessage, bulkSelectable, emptyFeed, isDrowningWarning, seenSinceAlarm, warningKey, matches, mergeAlerts, newestFirst, unacknowledgedCount } from '../../apps/console/src/feed-state';
import { alertDetailText, alertText, lateSeconds } from '../../apps/console/src/alert-text';
import { cameraNameList, formatDuration, fromLocalInput, startOfLocalDay, toLocalInput } from '../../apps/console/src/format';
import { OFFLINE_REASONS } from '@xl/contracts';
import { DICTIONARIES, initialLang, translate } from '../../apps/console/src/i18n';
import { regionForest, regionPathName, subtreeIds, flatten } from '../../apps/console/src/region-tree';
import { RENEW_AT_SHARE, RENEW_FLOOR_MS, renewalDelayMs, tokenLifetimeMs } from '../../apps/console/src/session-renewal';
import { formatLocation, siteFromForm, telHref } from '../../apps/console/src/site';
import { CALL_REPEAT_MS, CallRepeatGuard } from '../../apps/console/src/call-record';
import { actorName, transitionNote } from '../../apps/console/src/transition-text';
import type { Alert, Region, TransitionDetail, TransitionEventFacts } from '../../apps/console/src/types';
import { formatSchedule, freshId, parseSchedule, toNormalized } from '../../apps/console/src/zone-geometry';

const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({ id, cameraId: 'cam', state: 'open', severity: 'major', rule: 'zone_enter', startedAt: 1000, updatedAt: 1000, ...over }) as Alert;

describe('feed state', () => {
  it('applies each pushed event once: a replayed seq or an older copy changes nothing', () => {
    let s = applyMessage(emptyFeed(), { type: 'hello', seq: 10 }).state;
    const created = applyMessage(s, { type: 'alert.created', seq: 11, data: alert('a') });
    expect(created.stored?.id).toBe('a');
    s = created.state;
    const again = applyMessage(s, { type: 'alert.created', seq: 11, data: alert('a') });
    expect(again.stored).toBeUndefined();
    s = applyMessage(s, { type: 'alert.updated', seq: 14, data: alert('a', { state: 'acknowledged', updatedAt: 2000 }) }).state;
    s = applyMessage(s, { type: 'alert.created', seq: 15, data: alert('a', { updatedAt: 1000 }) }).state; // at-least-once re-push of an old copy
    expect(s.alerts.get('a')?.state).toBe('acknowledged');
    expect(s.lastSeq).toBe(15);
  });

  it('asks for a REST reload on resync_required and resumes from its seq', () => {
    const r = applyMessage(emptyFeed(5), { type: 'resync_required', seq: 90 });
    expect([r.reload, r.state.lastSeq]).toEqual([true, 90]);
  });

  it('keeps a REST page and pushes of the same alert as one entry, newest first, counting the open ones', () => {
    let s = mergeAlerts(emptyFeed(), [alert('old', { startedAt: 1 }), alert('new', { startedAt: 5, state: 'resolved' })]);
    s = mergeAlerts(s, [alert('old', { startedAt: 1 })]);
    expect(newestFirst(s.alerts.values()).map((a) => a.id)).toEqual(['new', 'old']);
    expect(unacknowledgedCount(s.alerts.values())).toBe(1);
  });

  it('filters pushed alerts like the REST query', () => {
    const a = alert('a', { cameraId: 'x', rule: 'crowd', startedAt: 100 });
    expect(matches(a, { cameraIds: new Set(['x']), rule: 'crowd,dwell', state: 'open', from: 100, to: 101 })).toBe(true);
    expect(matches(a, { cameraIds: new Set(['y']) })).toBe(false);
    expect(matches(a, { cameraIds: null, to: 100 })).toBe(false);
    expect(isDrowningWarning(alert('d', { rule: 'vanish_in_water' }))).toBe(true);
    expect(isDrowningWarning(alert('d', { severity: 'critical', state: 'resolved' }))).toBe(false);
  });

  it('sounds once per critical alert and alarm: again when the API raises it again, never for other news', () => {
    expect(alarmKey(alert('m', { severity: 'major' }))).toBeNull();
    const first = alarmKey(alert('c', { severity: 'critical', alarmedAt: 1000 }));
    expect(alarmKey(alert('c', { severity: 'critical', alarmedAt: 1000, message: 'a new score', updatedAt: 5 }))).toBe(first);
    expect(alarmKey(alert('c', { severity: 'critical', alarmedAt: 2000 }))).not.toBe(first);
    expect(alarmKey(alert('c', { severity: 'critical' }))).toBe('c@0'); // an API from before alarmedAt
    // A school's confirmation counts until the warning is raised again.
    const seen = [{ action: 'acknowledge', at: 3000 }, { action: 'seen', at: 1500 }];
    expect(seenSinceAlarm(alert('c', { alarmedAt: 1000 }), seen)).toBe(true);
    expect(seenSinceAlarm(alert('c', { alarmedAt: 2000 }), seen)).toBe(false);
    expect(warningKey(alert('c', { alarmedAt: 2000 }))).toBe('c@2000');
  });
});

describe('i18n', () => {
  it('has every key in both languages, zh-CN by default', () => {
    expect(Object.keys(DICTIONARIES['zh-CN']).sort()).toEqual(Object.keys(DICTIONARIES.en).sort());
    expect(initialLang(null)).toBe('zh-CN');
    expect(initialLang('en')).toBe('en');
    expect(translate('zh-CN', 'feed.unacknowledged', { count: 3 })).toBe('未确认：3');
    expect(translate('en', 'feed.unacknowledged', { count: 3 })).toBe('Unacknowledged: 3');
  });

  it('says every offline reason ingest can send in words, in both languages', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const reason of OFFLINE_REASONS) expect(Object.keys(DICTIONARIES[lang])).toContain(`reason.${reason}`);
    }
  });
});

describe('region tree', () => {
  const regions: Region[] = [
    { id: 'city', name: 'City', level: 'city', parentId: null },
    { id: 't2', name: 'B town', level: 'township', parentId: 'city' },
    { id: 't1', name: 'A town', level: 'township', parentId: 'city' },
    { id: 'v1', name: 'Village', level: 'village', parentId: 't1' },
    { id: 'lone', name: 'Orphan', level: 'village', parentId: 'hidden' },
  ];
  it('builds a forest sorted by name; a region whose parent is out of scope is a root', () => {
    expect(flatten(regionForest(regions)).map((n) => `${n.depth}:${n.region.id}`)).toEqual(['0:city', '1:t1', '2:v1', '1:t2', '0:lone']);
    expect([...subtreeIds(regions, 't1')].sort()).toEqual(['t1', 'v1']);
  });

  it('names a region by its path from the top visible region, the id when it is not visible', () => {
    expect(regionPathName(regions, 'v1')).toBe('City › A town › Village');
    expect(regionPathName(regions, 'lone')).toBe('Orphan');
    expect(regionPathName(regions, 'elsewhere')).toBe('elsewhere');
  });
});

describe('zone editor geometry and schedules', () => {
  it('maps pointer positions to clamped normalized coordinates', () => {
    expect(toNormalized(150, 80, { left: 100, top: 50, width: 200, height: 100 })).toEqual([0.25, 0.3]);
    expect(toNormalized(0, 999, { left: 100, top: 50, width: 200, height: 100 })).toEqual([0, 1]);
    expect(freshId('water', ['water-1', 'water-3'])).toBe('water-2');
  });

  it('reads and writes schedules as one line', () => {
    const windows = parseSchedule('1-5 15:00-19:00; 19:00-06:00; 1,3,6-7 08:00-09:00');
    expect(windows).toEqual([
      { days: [1, 2, 3, 4, 5], start: '15:00', end: '19:00' },
      { start: '19:00', end: '06:00' },
      { days: [1, 3, 6, 7], start: '08:00', end: '09:00' },
    ]);
    expect(formatSchedule(windows)).toBe('1-5 15:00-19:00; 19:00-06:00; 1,3,6-7 08:00-09:00');
    expect(() => parseSchedule('weekdays 15:00')).toThrow(/cannot read schedule "weekdays 15:00"/);
  });

  it("keeps a window's months when its hours are edited in the rules form (a fishing-ban season)", () => {
    const season = [{ months: [3, 4, 5, 6], start: '19:00', end: '06:00' }]; // set through the API
    const shown = formatSchedule(season);
    expect(shown).toBe('m3-6 19:00-06:00'); // before: '19:00-06:00', "every night, all year"
    const edited = parseSchedule(shown.replace('19:00', '18:00'));
    expect(edited).toEqual([{ months: [3, 4, 5, 6], start: '18:00', end: '06:00' }]); // before: months dropped
  });

  it('reads and writes months with days, months across the new year in order, and refuses what the API would', () => {
    const windows = [
      { months: [11, 12, 1, 2], days: [6, 7], start: '08:00', end: '18:00' },
      { months: [7], days: [1, 2, 3, 4, 5], start: '15:00', end: '19:00' },
    ];
    expect(formatSchedule(windows)).toBe('m1-2,11-12 6-7 08:00-18:00; m7 1-5 15:00-19:00');
    expect(parseSchedule(formatSchedule(windows))).toEqual([
      { months: [1, 2, 11, 12], days: [6, 7], start: '08:00', end: '18:00' },
      { months: [7], days: [1, 2, 3, 4, 5], start: '15:00', end: '19:00' },
    ]);
    expect(parseSchedule('1-5 M10,12 07:00-08:00')).toEqual([{ months: [10, 12], days: [1, 2, 3, 4, 5], start: '07:00', end: '08:00' }]);
    expect(() => parseSchedule('m3-13 19:00-06:00')).toThrow(/cannot read schedule "m3-13 19:00-06:00": months are 1–12/);
    expect(() => parseSchedule('m11-2 19:00-06:00')).toThrow(/m11-12,1-2 is November to February/);
    expect(() => parseSchedule('5-1 19:00-06:00')).toThrow(/days are 1–7/); // before: no days at all, refused by the API on Save
    expect(() => parseSchedule('m3 m4 19:00-06:00')).toThrow(/cannot read schedule "m3 m4 19:00-06:00": write \[mMONTHS\] \[DAYS\]/);
    // Times the API refuses are refused here, where they are typed (before: only on Save).
    for (const bad of ['25:00-06:00', '10:60-11:00', '19:00-24:30', '24:00-06:00']) expect(() => parseSchedule(bad)).toThrow(/times are 00:00–23:59/);
    expect(parseSchedule('19:00-24:00')).toEqual([{ start: '19:00', end: '24:00' }]);
  });
});

describe('session renewal', () => {
  const HOUR = 3_600_000;
  const jwt = (claims: object) =>
    `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

  it("reads the token's lifetime on the server's terms: exp − iat", () => {
    expect(tokenLifetimeMs(jwt({ sub: 'u1', iat: 1_800_000_000, exp: 1_800_028_800 }))).toBe(8 * HOUR);
    expect(tokenLifetimeMs(jwt({ sub: 'u1', iat: 1_800_000_000 }))).toBeNull();
    expect(tokenLifetimeMs(jwt({ iat: 1_800_000_000, exp: 1_800_000_000 }))).toBeNull();
    expect(tokenLifetimeMs('not-a-jwt')).toBeNull();
    expect(tokenLifetimeMs('a.%%%.b')).toBeNull();
  });

  it('renews at three quarters of the lifetime after the receipt, never sooner than the floor, never later than the share', () => {
    const receivedAt = 1_000_000;
    expect(RENEW_AT_SHARE).toBe(0.75);
    expect(renewalDelayMs(receivedAt, receivedAt, 8 * HOUR)).toBe(6 * HOUR);
    expect(renewalDelayMs(receivedAt + 2 * HOUR, receivedAt, 8 * HOUR)).toBe(4 * HOUR); // a reload 2 h in
    expect(renewalDelayMs(receivedAt, receivedAt, 60_000)).toBe(45_000);
    expect(renewalDelayMs(receivedAt + 9 * HOUR, receivedAt, 8 * HOUR)).toBe(RENEW_FLOOR_MS); // past its time
    expect(renewalDelayMs(receivedAt, receivedAt, null)).toBe(RENEW_FLOOR_MS); // lifetime unknown
    expect(renewalDelayMs(receivedAt - 3 * HOUR, receivedAt, 8 * HOUR)).toBe(6 * HOUR); // the clock set back since
    // longer than a browser timer can wait: capped, not fired at once
    expect(renewalDelayMs(receivedAt, receivedAt, 60 * 86_400_000)).toBe(2 ** 31 - 1);
  });
});

describe('report formatting', () => {
  it('names cameras in a banner by name, else id, the rest counted, in the reader language', () => {
    const cams = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => ({ id, name: id === 'a' ? '北塘' : null }));
    expect(cameraNameList(cams.slice(0, 2), 'zh-CN')).toBe('北塘、b');
    expect(cameraNameList(cams, 'en')).toBe('北塘, b, c, d, e, +2');
  });

  it('writes durations for people, largest two units', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(3_000)).toBe('3 s');
    expect(formatDuration(42_400)).toBe('42 s');
    expect(formatDuration(60_000)).toBe('1 min');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3600_000 + 4 * 60_000 + 30_000)).toBe('2 h 4 min');
    expect(formatDuration(3 * 86_400_000 + 2 * 3600_000)).toBe('3 d 2 h');
    expect(formatDuration(86_400_000)).toBe('1 d');
    expect(formatDuration(185_000, 'zh-CN')).toBe('3 分钟 5 秒');
    expect(formatDuration(2 * 3600_000 + 4 * 60_000, 'zh-CN')).toBe('2 小时 4 分钟');
  });

  it('round-trips local times through a datetime-local value and finds local midnight', () => {
    const at = new Date(2026, 6, 1, 14, 5, 59).getTime();
    expect(toLocalInput(at)).toBe('2026-07-01T14:05');
    expect(fromLocalInput(toLocalInput(at))).toBe(new Date(2026, 6, 1, 14, 5).getTime());
    expect(startOfLocalDay(at)).toBe(new Date(2026, 6, 1).getTime());
  });
});

describe('alert text in the reader language', () => {
  it('says how late the pictures came only when it matters (2 s and more), in whole seconds', () => {
    expect([undefined, null, 0, 1.9, 2, 12.46].map((streamDelaySeconds) => lateSeconds({ streamDelaySeconds }))).toEqual([null, null, null, null, 2, 12]);
  });

  const person = [{ box: [0, 0, 1, 1] as [number, number, number, number], label: 'person', score: 0.9 }];
  const facts = (rule: string, over: Partial<Alert> = {}) => ({ rule, zoneId: 'pond', boxes: person, message: `analyzer text of ${rule}`, ...over });

  it('builds Chinese sentences from the alert fields, one per rule', () => {
    expect(alertText('zh-CN', facts('zone_enter'))).toBe('有人进入区域「pond」');
    expect(alertText('zh-CN', facts('zone_enter', { zoneId: 'reach', boxes: [{ ...person[0], label: 'boat' }] }))).toBe('船只进入区域「reach」');
    expect(alertText('zh-CN', facts('vanish_in_water'))).toBe('有人在水域「pond」内消失，未见离开：疑似溺水');
    expect(alertText('zh-CN', facts('crowd', { zoneId: 'square', boxes: [person[0], person[0], person[0]] }))).toBe('区域「square」内人员聚集（3 人）');
    expect(alertText('zh-CN', facts('line_cross', { zoneId: 'bank' }))).toBe('有人越过警戒线「bank」');
    expect(alertText('zh-CN', facts('dwell', { zoneId: null }))).toBe('有人在区域内逗留');
    expect(alertText('zh-CN', facts('camera_offline', { zoneId: null, boxes: [] }))).toBe('摄像头离线，收不到画面');
    expect(alertText('zh-CN', facts('camera_offline', { ruleId: 'health.unstable', zoneId: null, boxes: [] }))).toBe('摄像头网络不稳，频繁掉线，画面时有时无，请检查线路');
    expect(alertText('zh-CN', facts('camera_moved', { zoneId: null, boxes: [] }))).toBe('摄像头画面移位（被转动或碰歪），划定的水域可能已不在水面上，请检查');
  });

  it("names the zone by the camera's display name for it when there is one", () => {
    expect(alertText('zh-CN', facts('vanish_in_water', { zoneName: '北塘' }))).toBe('有人在水域「北塘」内消失，未见离开：疑似溺水');
    expect(alertText('zh-CN', facts('zone_enter', { zoneName: null }))).toBe('有人进入区域「pond」');
    expect(alertText('zh-CN', facts('zone_enter', { zoneName: ' ' }))).toBe('有人进入区域「pond」'); // a blank name is no name
  });

  it("keeps the analyzer's English text in English and for rules it does not know, and offers it as the detail", () => {
    expect(alertText('en', facts('vanish_in_water'))).toBe('analyzer text of vanish_in_water');
    expect(alertText('zh-CN', facts('new_rule'))).toBe('analyzer text of new_rule');
    expect(alertDetailText('zh-CN', facts('zone_enter'))).toBe('analyzer text of zone_enter');
    expect(alertDetailText('en', facts('zone_enter'))).toBeNull();
  });
});

describe('alert timeline in the reader language', () => {
  const vanish: TransitionEventFacts = { eventId: 'e2', rule: 'vanish_in_water', ruleId: 'pond.vanish', zoneId: 'pond', labels: ['person'], message: "person last seen in water zone 'pond' 3.3 s ago" };
  const entered: TransitionEventFacts = { ...vanish, eventId: 'e3', rule: 'zone_enter', ruleId: 'pond.enter', message: "person in water zone 'pond' again" };
  const system = (detail: TransitionDetail) => ({ note: 'the API English note', detail });

  it('says what the system did in Chinese, from the facts', () => {
    expect(transitionNote('zh-CN', system({ kind: 'opened', event: vanish }))).toEqual({ text: '有人在水域「pond」内消失，未见离开：疑似溺水', quoted: false });
    expect(transitionNote('zh-CN', system({ kind: 'superseded', takesOver: true, previousRule: 'zone_enter', severityFrom: 'major', severityTo: 'critical', event: vanish }))?.text).toBe(
      '由「进入区域」转为「疑似溺水」，级别 重要 → 紧急。有人在水域「pond」内消失，未见离开：疑似溺水',
    );
    expect(transitionNote('zh-CN', system({ kind: 'superseded', takesOver: false, previousRule: 'vanish_in_water', severityFrom: 'critical', severityTo: 'critical', event: entered }))?.text).toBe(
      '与本告警（疑似溺水）相关，级别保持紧急。有人进入区域「pond」',
    );
    expect(transitionNote('zh-CN', system({ kind: 'severity_raised', severityFrom: 'warning', severityTo: 'critical', event: entered }))?.text).toBe('级别 一般 → 紧急。有人进入区域「pond」');
    const escalated: TransitionDetail = {
      kind: 'escalated',
      slaSeconds: 120,
      fromRegion: { id: 'v', name: '青山村', level: 'village' },
      toRegion: { id: 't', name: '青山镇', level: 'township' },
    };
    expect(transitionNote('zh-CN', system(escalated))?.text).toBe('2 分钟内无人确认，由村「青山村」上报至乡镇「青山镇」');
    expect(transitionNote('zh-CN', system({ kind: 'camera_recovered', offlineSeconds: 185 }))?.text).toBe('摄像头恢复在线（离线 3 分钟 5 秒）');
    expect(transitionNote('zh-CN', system({ kind: 'camera_recovered', offlineSeconds: null }))?.text).toBe('摄像头恢复在线');
    expect(transitionNote('zh-CN', system({ kind: 'camera_recovered', offlineSeconds: 185, backAt: 1, drops: 4 }))?.text).toBe('摄像头恢复在线（离线 3 分钟 5 秒，期间掉线 4 次，链路不稳）');
    expect(transitionNote('zh-CN', system({ kind: 'camera_recovered', offlineSeconds: null, drops: 2 }))?.text).toBe('摄像头恢复在线（期间掉线 2 次，链路不稳）');
    expect(transitionNote('zh-CN', system({ kind: 'camera_recovered', offlineSeconds: 5, drops: 1 }))?.text).toBe('摄像头恢复在线（离线 5 秒）');
    expect(transitionNote('zh-CN', system({ kind: 'camera_out_of_service', reason: 'deleted', offlineSeconds: 65, drops: 3 }))?.text).toBe('摄像头已删除，离线 1 分钟 5 秒（期间掉线 3 次）：不再监控，本次离线告警关闭');
    const blind: TransitionDetail = { kind: 'superseded_by_offline', offlineAlertId: 'camera_offline:cam-1:1700000000000', darkSince: 1_700_000_000_000, thresholdSeconds: 60 };
    expect(transitionNote('zh-CN', { note: 'the API English note', detail: blind })?.text).toBe('网络不稳的摄像头持续离线超过 1 分钟，已转为摄像头离线，见新的离线告警');
    expect(transitionNote('en', { note: 'the API English note', detail: blind })).toEqual({ text: 'the API English note', quoted: false });
    expect(transitionNote('zh-CN', system({ kind: 'called', contact: { name: '王建国', role: '网格员', phone: '138 0013 8000' } }))?.text).toBe('致电 王建国（网格员） 138 0013 8000');
    expect(transitionNote('zh-CN', system({ kind: 'called', contact: { name: '村医', role: null, phone: '120' } }))?.text).toBe('致电 村医 120');
  });

  it("names the alert's zone by its display name in the timeline, other zones by id", () => {
    const names = (zoneId: string | null) => (zoneId === 'pond' ? '北塘' : null);
    expect(transitionNote('zh-CN', system({ kind: 'opened', event: vanish }), names)?.text).toBe('有人在水域「北塘」内消失，未见离开：疑似溺水');
    expect(transitionNote('zh-CN', system({ kind: 'severity_raised', severityFrom: 'warning', severityTo: 'critical', event: { ...entered, zoneId: 'reach' } }), names)?.text).toBe(
      '级别 一般 → 紧急。有人进入区域「reach」',
    );
  });

  it("keeps the API's note in English, quotes what people typed, and shows older rows' notes as they are", () => {
    expect(transitionNote('en', system({ kind: 'camera_recovered', offlineSeconds: 5 }))).toEqual({ text: 'the API English note', quoted: false });
    expect(transitionNote('zh-CN', { note: '已通知村干部', detail: null })).toEqual({ text: '已通知村干部', quoted: true });
    expect(transitionNote('zh-CN', { note: null, detail: null })).toBeNull();
    expect(transitionNote('zh-CN', { note: 'a note from before details', detail: { kind: 'future_kind' } as unknown as TransitionDetail })).toEqual({ text: 'a note from before details', quoted: false });
  });

  it('names system actors by their role in the reader language, people by name', () => {
    expect(actorName('zh-CN', { kind: 'system', id: 'escalation', name: 'escalation' })).toBe('逐级上报');
    expect(actorName('zh-CN', { kind: 'system', id: 'camera-status', name: 'camera status' })).toBe('摄像头状态');
    expect(actorName('en', { kind: 'system', id: 'intake', name: 'alert intake' })).toBe('alert intake');
    expect(actorName('zh-CN', { kind: 'user', id: 'u1', name: '王芳' })).toBe('王芳');
  });
});

describe('bulkSelectable', () => {
  it('offers every unresolved alert but a critical one for handling together', () => {
    expect(bulkSelectable({ severity: 'major', state: 'open' })).toBe(true);
    expect(bulkSelectable({ severity: 'warning', state: 'dispatched' })).toBe(true);
    expect(bulkSelectable({ severity: 'major', state: 'resolved' })).toBe(false);
    expect(bulkSelectable({ severity: 'critical', state: 'open' })).toBe(false);
    expect(bulkSelectable({ severity: 'critical', state: 'acknowledged' })).toBe(false);
  });
});

describe('admin edit form', () => {
  const fields: EditField[] = [
    { name: 'displayName' },
    { name: 'password', type: 'password' },
    { name: 'role', type: 'select' },
    { name: 'regionIds', type: 'list' },
    { name: 'disabled', type: 'checkbox' },
  ];
  const row = { id: 'u1', displayName: 'Wang', role: 'operator', regionIds: ['vil-a', 'vil-b'], disabled: false };

  it('starts from the row, secrets empty', () => {
    expect(fields.map((f) => initialValue(f, row))).toEqual(['Wang', '', 'operator', 'vil-a, vil-b', false]);
  });

  it('sends only what changed; an empty password keeps the current one', () => {
    const unchanged = Object.fromEntries(fields.map((f) => [f.name, initialValue(f, row)]));
    expect(patchBody(fields, row, unchanged)).toEqual({});
    expect(patchBody(fields, row, { ...unchanged, regionIds: 'vil-a,vil-b' })).toEqual({}); // same list, other spacing
    expect(patchBody(fields, row, { ...unchanged, password: ' new-password-1 ', disabled: true, regionIds: 'vil-a' })).toEqual({ password: 'new-password-1', disabled: true, regionIds: ['vil-a'] });
    expect(patchBody(fields, row, { ...unchanged, displayName: '', role: 'viewer' })).toEqual({ role: 'viewer' }); // empty text keeps the value
    expect(patchBody(fields, row, { ...unchanged, regionIds: '' })).toEqual({ regionIds: [] }); // a list can be emptied
  });

  it("takes a select's empty choice for none, and keeps a list that may not be empty", () => {
    const hookFields: EditField[] = [{ name: 'minSeverity', type: 'select' }, { name: 'eventTypes', type: 'list', keepWhenEmpty: true }];
    const hook = { id: 'wh_1', minSeverity: 'major', eventTypes: ['alert.created'] };
    expect(hookFields.map((f) => initialValue(f, { ...hook, minSeverity: null }))).toEqual(['', 'alert.created']);
    expect(patchBody(hookFields, hook, { minSeverity: '', eventTypes: '' })).toEqual({ minSeverity: null });
    expect(patchBody(hookFields, { ...hook, minSeverity: null }, { minSeverity: '', eventTypes: 'alert.created, alert.updated' })).toEqual({ eventTypes: ['alert.created', 'alert.updated'] });
  });
});

describe('camera site', () => {
  it('dials the digits of a number as people write it, with the extension after a pause', () => {
    expect(telHref('138 0013 8000')).toBe('tel:13800138000');
    expect(telHref('+86 (571) 8888-6666')).toBe('tel:+8657188886666');
    expect(telHref('0571-8888 6666 ext. 12')).toBe('tel:057188886666,12');
    expect(telHref('0571-88886666,3')).toBe('tel:057188886666,3');
  });

  it('writes coordinates with hemispheres, to about a metre', () => {
    expect(formatLocation({ lat: 30.274123456, lon: 120.155 })).toBe('30.27412° N, 120.15500° E');
    expect(formatLocation({ lat: -33.8688, lon: -70.5 })).toBe('33.86880° S, 70.50000° W');
  });

  it('turns the form into a site: trimmed, empty rows and fields left out, nothing filled in → null', () => {
    const empty = { address: ' ', directions: '', lat: '', lon: '', rescueEquipment: '', contacts: [{ name: ' ', role: '', phone: '' }] };
    expect(siteFromForm(empty)).toBeNull();
    expect(
      siteFromForm({ ...empty, address: ' 东塘 ', lat: '30.5', lon: ' 120.25', contacts: [{ name: '王', role: ' ', phone: ' 110 ' }, { name: '李', role: '塘主', phone: '120' }] }),
    ).toEqual({ address: '东塘', location: { lat: 30.5, lon: 120.25 }, contacts: [{ name: '王', phone: '110' }, { name: '李', role: '塘主', phone: '120' }] });
    // Half a coordinate goes to the API as it is (null in JSON), which names the missing field.
    expect(JSON.parse(JSON.stringify(siteFromForm({ ...empty, lat: '30.5' })))).toEqual({ contacts: [], location: { lat: 30.5, lon: null } });
  });
});

describe('raisedNow', () => {
  const now = 1_800_000_000_000;
  const critical = { id: 'a', severity: 'critical', state: 'open', alarmedAt: now - 3_600_000, startedAt: now - 3_600_000 } as unknown as Alert;
  it('rings for a new alarm of an alert, not for a note, a "seen" or an acknowledgement of the same one', () => {
    expect(raisedNow(critical, { ...critical, state: 'acknowledged' }, now)).toBe(false);
    expect(raisedNow(critical, { ...critical, alarmedAt: now }, now)).toBe(true); // gone under again
    expect(raisedNow({ ...critical, severity: 'major' } as Alert, critical, now)).toBe(true); // raised to critical
    expect(raisedNow(critical, { ...critical, alarmedAt: now, state: 'resolved' }, now)).toBe(false);
    expect(raisedNow(undefined, { ...critical, severity: 'major' } as Alert, now)).toBe(false);
  });
  it('rings for an alert this screen never had only when its alarm is recent', () => {
    expect(raisedNow(undefined, critical, now)).toBe(false); // an hour-old alarm: someone added a note
    expect(raisedNow(undefined, { ...critical, alarmedAt: now - RAISED_RECENTLY_MS + 1000 }, now)).toBe(true);
  });
});

describe('calls recorded from a site card', () => {
  it('records the first press of a number for an alert, not a second within CALL_REPEAT_MS, and again after it', () => {
    const guard = new CallRepeatGuard();
    expect(guard.take('a', '13800138000', 1000)).toBe(true);
    expect(guard.take('a', '13800138000', 1000 + 150)).toBe(false); // the double click
    expect(guard.take('a', '13800138000', 1000 + CALL_REPEAT_MS - 1)).toBe(false);
    expect(guard.take('a', '13900139000', 1200)).toBe(true); // another number
    expect(guard.take('b', '13800138000', 1300)).toBe(true); // the same number for another alert
    expect(guard.take('a', '13800138000', 1000 + CALL_REPEAT_MS)).toBe(true); // called again later: a new entry
  });

  it('records the next press when the last one was not recorded', () => {
    const guard = new CallRepeatGuard(10_000);
    expect(guard.take('a', '110', 0)).toBe(true);
    guard.release('a', '110', 0);
    expect(guard.take('a', '110', 50)).toBe(true);
    expect(guard.take('a', '110', 60)).toBe(false);
  });

  it('records a press through press(): once for a double click, again after a press that was not recorded', async () => {
    const guard = new CallRepeatGuard(10_000);
    const sent: number[] = [];
    let answer = false;
    const record = (at: number) => () => (sent.push(at), Promise.resolve(answer));
    guard.press('a', '110', 0, record(0));
    guard.press('a', '110', 150, record(150)); // the double click
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toEqual([0]);
    answer = true;
    guard.press('a', '110', 300, record(300)); // the first was not recorded: this one is sent
    guard.press('a', '110', 400, record(400));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toEqual([0, 300]);
  });

  it("keeps a later press when an earlier one's slow answer says it was not recorded", () => {
    const guard = new CallRepeatGuard(10_000);
    expect(guard.take('a', '110', 0)).toBe(true); // its answer hangs
    expect(guard.take('a', '110', 12_000)).toBe(true); // pressed again, recorded
    guard.release('a', '110', 0); // the first one's failure arrives
    expect(guard.take('a', '110', 12_100)).toBe(false); // a double click on the second: still one call
  });
});

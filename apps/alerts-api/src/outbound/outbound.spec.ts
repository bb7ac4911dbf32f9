import { matchesFilters, type WebhookFilters } from './webhook-filter';
import { signWebhookBody, verifyWebhookSignature } from './webhook-signature';
import { failureOf } from './webhook-sender';
import { clearsRetainedStatus, mqttAlarmTopicFor, mqttTopicFor } from './mqtt-publisher';
import { webhookCreateSchema } from './webhooks.schema';

const all: WebhookFilters = {
  eventTypes: ['alert.created', 'alert.updated', 'camera.status'],
  minSeverity: null,
  regionIds: [],
  cameraIds: [],
  waters: [],
  alarmsOnly: false,
};
const pond = { cameraId: 'cam-pond', regionPath: ['city', 'county-a', 'village-a1'] };
const river = { cameraId: 'cam-river', regionPath: ['city', 'county-b'] };

describe('webhook filters', () => {
  it('match by event type, severity (alerts only) and region subtree or camera', () => {
    const critical = { type: 'alert.created' as const, scope: pond, data: { severity: 'critical' } };
    const warning = { type: 'alert.updated' as const, scope: river, data: { severity: 'warning' } };
    const status = { type: 'camera.status' as const, scope: river, data: { status: 'offline' } };
    expect([critical, warning, status].map((e) => matchesFilters(all, e))).toEqual([true, true, true]);
    const major = { ...all, minSeverity: 'major' as const };
    expect([critical, warning, status].map((e) => matchesFilters(major, e))).toEqual([true, false, true]);
    expect(matchesFilters({ ...all, eventTypes: ['alert.created'] }, status)).toBe(false);
    expect(matchesFilters({ ...all, regionIds: ['county-a'] }, critical)).toBe(true);
    expect(matchesFilters({ ...all, regionIds: ['county-a'] }, warning)).toBe(false);
    expect(matchesFilters({ ...all, regionIds: ['county-a'], cameraIds: ['cam-river'] }, warning)).toBe(true);
    expect(matchesFilters(major, { ...critical, data: {} })).toBe(false);
  });

  it("narrow a camera listed in waters to those zones' alerts, its health alerts and its status", () => {
    const school = { ...all, cameraIds: ['cam-pond'], waters: ['cam-pond/pond'] };
    const at = (zoneId: string | null, rule: string) => ({ ...pond, alert: { zoneId, rule } });
    const alert = (zoneId: string | null, rule: string) => ({ type: 'alert.created' as const, scope: at(zoneId, rule), data: {} });
    expect(matchesFilters(school, alert('pond', 'no_exit'))).toBe(true);
    expect(matchesFilters(school, alert('square', 'crowd'))).toBe(false);
    expect(matchesFilters(school, alert(null, 'tripwire'))).toBe(false);
    expect(matchesFilters(school, alert(null, 'camera_offline'))).toBe(true);
    expect(matchesFilters(school, { type: 'camera.status', scope: pond, data: { status: 'offline' } })).toBe(true);
    // An event logged before scopes carried the zone: read from the alert itself.
    expect(matchesFilters(school, { type: 'alert.updated', scope: pond, data: { zoneId: 'square', rule: 'crowd' } })).toBe(false);
    expect(matchesFilters(school, { type: 'alert.updated', scope: pond, data: { zoneId: 'pond', rule: 'no_exit' } })).toBe(true);
    // Waters narrow their camera only: another camera of the same region stays whole.
    const county = { ...school, regionIds: ['county-a'] };
    expect(matchesFilters(county, { type: 'alert.created', scope: { ...pond, cameraId: 'cam-lane', alert: { zoneId: 'road', rule: 'crowd' } }, data: {} })).toBe(true);
    expect(matchesFilters(county, alert('square', 'crowd'))).toBe(false);
    expect(matchesFilters(school, { type: 'alert.created', scope: { ...river, alert: { zoneId: 'pond', rule: 'no_exit' } }, data: {} })).toBe(false);
  });
});

describe('webhook signature', () => {
  it('is sha256=<hex HMAC of the raw body> and verifies only the exact body and secret', () => {
    const body = '{"seq":1,"type":"alert.created"}';
    // echo -n '{"seq":1,"type":"alert.created"}' | openssl dgst -sha256 -hmac s3cret
    expect(signWebhookBody('s3cret', body)).toBe(
      'sha256=0aa1e66f65ace78afd31098463ff20453192772ae8dc05c0c7d66917eddaa5aa',
    );
    expect(verifyWebhookSignature('s3cret', body, signWebhookBody('s3cret', body))).toBe(true);
    expect(verifyWebhookSignature('s3cret', `${body} `, signWebhookBody('s3cret', body))).toBe(false);
    expect(verifyWebhookSignature('other', body, signWebhookBody('s3cret', body))).toBe(false);
    expect(verifyWebhookSignature('s3cret', body, undefined)).toBe(false);
    expect(verifyWebhookSignature('s3cret', body, 'sha256=00')).toBe(false);
  });
});

describe('webhook alarms only', () => {
  const siren = { ...all, alarmsOnly: true };
  const alert = (type: 'alert.created' | 'alert.updated', data: Record<string, unknown>) => ({ type, scope: pond, data });
  const at = 1_795_000_000_000;
  it('passes an alert created critical and an update that raised its alarm, nothing else', () => {
    expect(matchesFilters(siren, alert('alert.created', { severity: 'critical', state: 'open', alarmedAt: at, updatedAt: at }))).toBe(true);
    expect(matchesFilters(siren, alert('alert.created', { severity: 'major', state: 'open', alarmedAt: null, updatedAt: at }))).toBe(false);
    // The drowning: the entry's alert raised to critical by the vanish event.
    expect(matchesFilters(siren, alert('alert.updated', { severity: 'critical', state: 'open', alarmedAt: at + 9000, updatedAt: at + 9000 }))).toBe(true);
    // The same alert acknowledged, noted, escalated or resolved later: no alarm.
    expect(matchesFilters(siren, alert('alert.updated', { severity: 'critical', state: 'acknowledged', alarmedAt: at + 9000, updatedAt: at + 20_000 }))).toBe(false);
    expect(matchesFilters(siren, alert('alert.updated', { severity: 'critical', state: 'resolved', alarmedAt: at + 9000, updatedAt: at + 9000 }))).toBe(false);
    expect(matchesFilters(siren, alert('alert.updated', { severity: 'major', state: 'open', alarmedAt: null, updatedAt: at }))).toBe(false);
    expect(matchesFilters(siren, { type: 'camera.status', scope: pond, data: { status: 'offline' } })).toBe(false);
    expect(matchesFilters(all, alert('alert.updated', { severity: 'critical', state: 'acknowledged', alarmedAt: at, updatedAt: at + 1 }))).toBe(true);
  });

  it("follows the intake's alarm flag where the event has one; never a resolved alert or a camera's health", () => {
    // The flag wins over timestamps: an acknowledgement in the same millisecond is no alarm, and a
    // drowning pushed after an acknowledgement moved updatedAt still is one.
    expect(matchesFilters(siren, alert('alert.updated', { alarm: false, severity: 'critical', state: 'acknowledged', alarmedAt: at, updatedAt: at }))).toBe(false);
    expect(matchesFilters(siren, alert('alert.updated', { alarm: true, severity: 'critical', state: 'acknowledged', alarmedAt: at, updatedAt: at + 300 }))).toBe(true);
    expect(matchesFilters(siren, alert('alert.updated', { alarm: true, severity: 'critical', state: 'resolved', alarmedAt: at, updatedAt: at }))).toBe(false);
    expect(matchesFilters(siren, alert('alert.created', { alarm: true, rule: 'camera_covered', severity: 'critical', state: 'open', alarmedAt: at, updatedAt: at }))).toBe(false);
  });
});

describe('webhook failure reasons', () => {
  it("name the cause's code, else its message only when it is plain words, else the error's name", () => {
    const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
    expect(failureOf(fetchFailed({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:4000' }))).toBe('ECONNREFUSED');
    expect(failureOf(fetchFailed(new Error('bad port')))).toBe('bad port');
    // A message that could quote the URL (and the token in it) in any form is not repeated.
    expect(failureOf(fetchFailed(new Error('invalid url https://h.example/hook?token=abc')))).toBe('TypeError');
    expect(failureOf(fetchFailed(new Error('Host h.example is unreachable')))).toBe('TypeError');
    expect(failureOf(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }))).toBe('TimeoutError');
  });
});

describe('webhook subscription input', () => {
  it('refuses URLs that are not http(s) and fills filter defaults', () => {
    for (const url of ['file:///etc/passwd', 'ftp://host/x', 'gopher://host', 'javascript:alert(1)', 'not a url']) {
      expect(webhookCreateSchema.safeParse({ name: 'x', url }).success).toBe(false);
    }
    const ok = webhookCreateSchema.parse({ name: 'x', url: 'https://receiver.example/hook' });
    expect(ok).toMatchObject({
      eventTypes: ['alert.created', 'alert.updated', 'camera.status'],
      minSeverity: null,
      regionIds: [],
      cameraIds: [],
      waters: [],
      alarmsOnly: false,
      enabled: true,
    });
    expect(webhookCreateSchema.safeParse({ name: 'x', url: 'http://h/x', extra: 1 }).success).toBe(false);
    expect(webhookCreateSchema.safeParse({ name: 'x', url: 'http://h/x', secret: 'short' }).success).toBe(false);
    expect(webhookCreateSchema.safeParse({ name: 'x', url: 'http://h/x', waters: ['pond-only'] }).success).toBe(false);
  });
});

describe('MQTT topics', () => {
  it('publish an alarm also under <prefix>/alarms/<region>/<camera>/<zone>, and nothing else there', () => {
    const at = 1_795_000_000_000;
    const raised = { type: 'alert.updated' as const, scope: { ...pond, alert: { zoneId: 'pond', rule: 'vanish_in_water' } }, data: { severity: 'critical', state: 'open', alarmedAt: at, updatedAt: at } };
    expect(mqttAlarmTopicFor('xueliang', raised)).toBe('xueliang/alarms/village-a1/cam-pond/pond');
    expect(mqttAlarmTopicFor('xueliang', { ...raised, scope: pond, data: { ...raised.data, zoneId: null } })).toBe('xueliang/alarms/village-a1/cam-pond/_');
    expect(mqttAlarmTopicFor('xueliang', { ...raised, data: { ...raised.data, state: 'acknowledged', updatedAt: at + 5000 } })).toBeNull();
    expect(mqttAlarmTopicFor('xueliang', { type: 'camera.status', scope: pond, data: { status: 'offline' } })).toBeNull();
  });

  it('puts alerts under region/camera and camera status, retained, under the camera', () => {
    expect(mqttTopicFor('xueliang', { type: 'alert.created', scope: pond })).toEqual({
      topic: 'xueliang/alerts/village-a1/cam-pond',
      retain: false,
    });
    expect(mqttTopicFor('xueliang', { type: 'alert.updated', scope: { cameraId: 'c/1#', regionPath: [] } })).toEqual({
      topic: 'xueliang/alerts/unassigned/c_1_',
      retain: false,
    });
    expect(mqttTopicFor('xueliang', { type: 'camera.status', scope: river })).toEqual({
      topic: 'xueliang/cameras/cam-river/status',
      retain: true,
    });
  });

  it("clears the retained status of a deleted camera only: a disabled one stays, out of service", () => {
    const status = (data: Record<string, unknown>) => ({ type: 'camera.status' as const, data });
    expect(clearsRetainedStatus(status({ status: 'out_of_service', reason: 'deleted' }))).toBe(true);
    expect(clearsRetainedStatus(status({ status: 'out_of_service', reason: 'disabled' }))).toBe(false);
    expect(clearsRetainedStatus(status({ status: 'offline', reason: 'deleted' }))).toBe(false);
    expect(clearsRetainedStatus({ type: 'alert.updated', data: { status: 'out_of_service', reason: 'deleted' } })).toBe(false);
  });
});

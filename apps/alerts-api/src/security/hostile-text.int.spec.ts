import '../testing/nest-esm';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { ALERTS_QUEUE } from '@xl/contracts';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { alertEvent } from '../testing/alert-events';
import { eventually, startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';

// Text that looks like SQL is data: stored and returned byte for byte in every free-text field and
// matched literally by filters, on SQLite and PostgreSQL alike. NUL, which PostgreSQL cannot store,
// is refused up front on both (it used to be a 500 on PostgreSQL). Snapshot paths from the analyzer
// cannot reach outside SNAPSHOT_DIR (evidence clips use the same resolver).

const SQLISH = [
  "'; DROP TABLE alerts; --",
  "Robert'); DROP TABLE users;--",
  "' OR '1'='1' --",
  "\\'; SELECT pg_sleep(10); --",
  '100% _match_ \\ escape',
  '$1 $$ $body$ :name ?',
  '/* c */ UNION SELECT password_hash FROM users --',
  '北塘 "pond" \u202e ❄',
];

describe.each(DATABASE_KINDS)('hostile text on %s', (kind) => {
  let t: TestApp;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores and returns SQL-looking names, notes and assignees verbatim', async () => {
    for (const [i, text] of SQLISH.entries()) {
      const region = await t.http.post('/regions').set(admin).send({ id: `sql-${i}`, name: text, level: 'village', parentId: 'town-a1' }).expect(201);
      expect(region.body.name).toBe(text);
      expect((await t.http.get(`/regions/sql-${i}`).set(admin)).body.name).toBe(text);

      const zone = { id: 'z', name: text, type: 'water', polygon: [[0, 0], [1, 0], [1, 1]] };
      await t.http.post('/cameras').set(admin).send({ id: `sql-cam-${i}`, name: text, url: 'rtsp://10.0.0.9/x', regionId: `sql-${i}`, zones: [zone] }).expect(201);
      const camera = (await t.http.get(`/cameras/sql-cam-${i}`).set(admin)).body;
      expect([camera.name, camera.zones[0].name]).toEqual([text, text]);

      const user = await t.http.post('/users').set(admin).send({ username: `sql-user-${i}`, displayName: text, password: 'long-enough-pw', role: 'viewer' }).expect(201);
      expect((await t.http.get(`/users/${user.body.id}`).set(admin)).body.displayName).toBe(text);
      const key = await t.http.post('/api-keys').set(admin).send({ name: text, role: 'viewer' }).expect(201);
      expect(((await t.http.get('/api-keys').set(admin)).body.items as { id: string; name: string }[]).find((k) => k.id === key.body.id)?.name).toBe(text);
      const hook = await t.http.post('/webhooks').set(admin).send({ name: text, url: 'http://127.0.0.1:2/h' }).expect(201);
      expect((await t.http.get(`/webhooks/${hook.body.id}`).set(admin)).body.name).toBe(text);

      const event = alertEvent({ cameraId: 'cam-a', ruleId: text, message: text });
      await t.app.get(AlertIntakeService).consume(event);
      const id = encodeURIComponent(event.alertId);
      await t.http.post(`/alerts/${id}/acknowledge`).set(admin).send({ note: text }).expect(200);
      await t.http.post(`/alerts/${id}/dispatch`).set(admin).send({ assignee: text, note: text }).expect(200);
      await t.http.post(`/alerts/${id}/resolve`).set(admin).send({ outcome: 'false_alarm', note: text }).expect(200);
      const detail = (await t.http.get(`/alerts/${id}`).set(admin)).body;
      expect([detail.ruleId, detail.message, detail.assignee]).toEqual([text, text, text]);
      // open (the analyzer's message), acknowledge, dispatch, resolve
      expect(detail.transitions.map((tr: { note: string | null }) => tr.note)).toEqual([text, text, text, text]);

      // A filter on the text finds exactly that alert: no wildcard, no injection.
      const found = (await t.http.get('/alerts').query({ ruleId: text, limit: 200 }).set(admin).expect(200)).body.items as { id: string }[];
      expect(found.map((a) => a.id)).toEqual([event.alertId]);
    }
    // Every table is still there and whole.
    expect((await t.http.get('/alerts').query({ limit: 200 }).set(admin)).body.items.length).toBe(SQLISH.length);
    expect((await t.http.get('/users').set(admin)).body.items.length).toBeGreaterThan(SQLISH.length);
  });

  it('matches LIKE wildcards literally in filters', async () => {
    for (const ruleId of ['%', '_', '%%', '*']) {
      expect((await t.http.get('/alerts').query({ ruleId }).set(admin).expect(200)).body.items).toEqual([]);
    }
  });

  it('refuses NUL characters in parameters, queries and bodies with a 400 naming the field (was a 500 on PostgreSQL)', async () => {
    const nulRegion = await t.http.post('/regions').set(admin).send({ id: 'nul-1', name: 'a\u0000b', level: 'village', parentId: 'town-a1' });
    expect([nulRegion.status, nulRegion.body.message]).toEqual([400, 'body.name: must not contain NUL (U+0000) characters (no_nul)']);
    for (const url of ['/cameras/%00', '/regions/a%00b', '/alerts/%00/snapshot', '/alerts?ruleId=%00']) {
      expect([url, (await t.http.get(url).set(admin)).status]).toEqual([url, 400]);
    }
    const ack = await t.http.post('/alerts/x/acknowledge').set(admin).send({ note: '\u0000' });
    expect(ack.status).toBe(400);
  });

  it('keeps an analyzer alert whose message carries a NUL (dropped from the text), rather than losing it', async () => {
    const event = alertEvent({ cameraId: 'cam-a', message: "person entered water zone 'po\u0000nd'" });
    // Through the analyzer's queue and the intake worker, as in production.
    const queue = new Queue(ALERTS_QUEUE, { connection: { url: t.settings.redisUrl }, prefix: t.settings.queuePrefix });
    await queue.add('alert', event);
    await queue.close();
    const url = `/alerts/${encodeURIComponent(event.alertId)}`;
    const detail = await eventually(async () => {
      const res = await t.http.get(url).set(admin);
      return res.status === 200 && res.body;
    }, `alert ${event.alertId} stored`);
    expect(detail.message).toBe("person entered water zone 'pond'");
  });
});

describe('snapshot paths from the analyzer cannot leave SNAPSHOT_DIR', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    await createWorld(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stores the alert without its snapshot for every escaping path, and serves the one inside', async () => {
    const admin = { Authorization: `Bearer ${await t.token('admin')}` };
    const outside = path.join(path.dirname(t.snapshotDir), `${path.basename(t.snapshotDir)}-outside`);
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(outside, 'secret.jpg'), 'SECRET-OUTSIDE');
    mkdirSync(path.join(t.snapshotDir, 'cam-a'), { recursive: true });
    writeFileSync(path.join(t.snapshotDir, 'cam-a', 'ok.jpg'), 'INSIDE');
    symlinkSync(path.join(outside, 'secret.jpg'), path.join(t.snapshotDir, 'cam-a', 'link.jpg'));
    symlinkSync(outside, path.join(t.snapshotDir, 'linked-dir'));
    const escaping = [
      `../${path.basename(outside)}/secret.jpg`,
      `cam-a/../../${path.basename(outside)}/secret.jpg`,
      path.join(outside, 'secret.jpg'),
      '%2e%2e/%2e%2e/etc/passwd',
      '..\\..\\secret.jpg',
      'cam-a/link.jpg',
      'linked-dir/secret.jpg',
      'cam-a/ok.jpg\u0000.png',
      'cam-a',
      '.',
    ];
    const served: Record<string, unknown> = {};
    for (const snapshotPath of [...escaping, 'cam-a/ok.jpg']) {
      const event = alertEvent({ cameraId: 'cam-a', snapshotPath });
      await t.app.get(AlertIntakeService).consume(event);
      const id = encodeURIComponent(event.alertId);
      const detail = (await t.http.get(`/alerts/${id}`).set(admin).expect(200)).body;
      const image = await t.http.get(`/alerts/${id}/snapshot`).set(admin).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks).toString()));
      });
      served[snapshotPath] = [detail.hasSnapshot, image.status, image.status === 200 ? image.body : ''];
    }
    expect(served).toEqual({ ...Object.fromEntries(escaping.map((p) => [p, [false, 404, '']])), 'cam-a/ok.jpg': [true, 200, 'INSIDE'] });
  });

  it('does not let a route parameter walk the directory either', async () => {
    const admin = { Authorization: `Bearer ${await t.token('admin')}` };
    for (const id of ['..%2f..%2fetc%2fpasswd', '%2e%2e', '..', '%2e%2e%2f%2e%2e%2fsecret.jpg']) {
      const res = await t.http.get(`/alerts/${id}/snapshot`).set(admin);
      expect([id, res.status < 500 && res.status !== 200]).toEqual([id, true]);
      expect(res.text).not.toContain('SECRET-OUTSIDE');
    }
  });
});

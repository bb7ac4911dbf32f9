import '../testing/nest-esm';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { WebhooksRepository, type WebhookSubscription } from './webhooks.repository';

// Editing a subscription as admins do: two of them at once (versions), a chat bot's URL whose token
// is in its path, and a URL stored before the API refused it, which no delivery can go to.
describe.each(DATABASE_KINDS)('editing webhook subscriptions (%s)', (kind) => {
  let t: TestApp;
  let admin: { Authorization: string };
  let repo: WebhooksRepository;

  beforeAll(async () => {
    t = await startTestApp(kind);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
    repo = t.app.get(WebhooksRepository);
  });
  afterAll(() => t?.close());

  const create = async (body: Record<string, unknown>) => (await t.http.post('/webhooks').set(admin).send(body).expect(201)).body as { id: string; updatedAt: number };

  describe('versions', () => {
    it('refuses (409) a PATCH built on a copy another save changed since, and changes nothing', async () => {
      const { id, updatedAt: v1 } = await create({ name: 'pond siren', url: 'http://10.20.0.9/api/alarm', minSeverity: 'major' });
      expect((await t.http.get(`/webhooks/${id}`).set(admin).expect(200)).body.updatedAt).toBe(v1);

      // Admin A makes the siren sound for critical alerts only, on the copy both admins read.
      const saved = await t.http.patch(`/webhooks/${id}`).set(admin).set('If-Match', `"${v1}"`).send({ minSeverity: 'critical' }).expect(200);
      const v2 = saved.body.updatedAt as number;
      expect(v2).toBeGreaterThan(v1);

      // Admin B, still on v1, renames it and sends the lowest severity of the form B loaded.
      const stale = await t.http.patch(`/webhooks/${id}`).set(admin).set('If-Match', String(v1)).send({ name: 'renamed', minSeverity: 'major' });
      expect(stale.status).toBe(409); // before: 200, A's change undone
      expect(stale.body).toMatchObject({ statusCode: 409, reason: 'webhook_changed' });
      expect(stale.body.message).toContain(`webhook '${id}' changed meanwhile`);
      const stored = await repo.get(id);
      expect(stored).toMatchObject({ name: 'pond siren', filters: expect.objectContaining({ minSeverity: 'critical' }), updatedAt: v2 });

      // On the new version it goes through; without a version (older clients, scripts) it applies as stored.
      await t.http.patch(`/webhooks/${id}`).set(admin).set('If-Match', `"${v2}"`).send({ name: 'renamed' }).expect(200);
      const unversioned = await t.http.patch(`/webhooks/${id}`).set(admin).send({ enabled: false }).expect(200);
      expect(unversioned.body).toMatchObject({ name: 'renamed', minSeverity: 'critical', enabled: false });
      await t.http.patch(`/webhooks/${id}`).set(admin).set('If-Match', '*').send({ enabled: true }).expect(200);

      const malformed = await t.http.patch(`/webhooks/${id}`).set(admin).set('If-Match', 'W/"abc"').send({ name: 'x' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.issues).toEqual([expect.objectContaining({ in: 'header', field: 'If-Match', rule: 'format' })]);
      expect((await repo.get(id))?.name).toBe('renamed');
    });

    it('lets one of two PATCHes racing on the same version through, and answers the other 409', async () => {
      const { id, updatedAt } = await create({ name: 'gateway', url: 'http://10.20.0.9/api/gw' });
      const answers = await Promise.all(
        ['first', 'second'].map((name) => t.http.patch(`/webhooks/${id}`).set(admin).set('If-Match', `"${updatedAt}"`).send({ name })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]); // before: [200, 200]
      const winner = answers.find((a) => a.status === 200)!;
      expect((await repo.get(id))?.name).toBe(winner.body.name);
      expect(answers.find((a) => a.status === 409)?.body.reason).toBe('webhook_changed');
    });

    it('writes a subscription only over the version read (repository)', async () => {
      const { id } = await create({ name: 'direct', url: 'http://10.20.0.9/api/direct' });
      const read = (await repo.get(id)) as WebhookSubscription;
      expect(await repo.update({ ...read, name: 'a', updatedAt: read.updatedAt + 5 }, read.updatedAt)).toBe(true);
      expect(await repo.update({ ...read, name: 'b', updatedAt: read.updatedAt + 6 }, read.updatedAt)).toBe(false); // before: true, 'a' lost
      expect((await repo.get(id))?.name).toBe('a');
      expect(await repo.update({ ...read, id: 'wh_missing' }, read.updatedAt)).toBe(false);
    });

    it('answers 404, not 409, for a subscription that is gone', async () => {
      const missing = await t.http.patch('/webhooks/wh_missing').set(admin).set('If-Match', '"1"').send({ name: 'x' });
      expect(missing.status).toBe(404);
    });
  });

  describe("a chat bot's token in the URL path", () => {
    const FEISHU = 'https://open.feishu.cn/open-apis/bot/v2/hook/2f5e0a51-7c3d-4b7a-9e1f-0c2d3e4f5a6b';
    const SLACK = 'https://hooks.slack.com/services/T00000000/B11111111/XXXXXXXXXXXXXXXXXXXXXXXX';

    it('is never shown, kept when the URL is sent back as shown, and replaced by a new one', async () => {
      const created = await t.http.post('/webhooks').set(admin).send({ name: 'duty group', url: FEISHU }).expect(201);
      const id = created.body.id as string;
      expect(created.body.url).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/***'); // before: the token in full
      const listed = (await t.http.get('/webhooks').set(admin).expect(200)).body;
      expect(JSON.stringify(listed)).not.toContain('2f5e0a51');
      const shown = (await t.http.get(`/webhooks/${id}`).set(admin).expect(200)).body.url as string;
      expect(shown).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/***');

      // The edit form sends the URL back as shown, with another field changed.
      await t.http.patch(`/webhooks/${id}`).set(admin).send({ name: 'duty group 2', url: shown }).expect(200);
      expect((await repo.get(id))?.url).toBe(FEISHU); // before: .../hook/*** stored, every message refused by Feishu

      // Lark is another service than Feishu: the stored token must not go there.
      const elsewhere = await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: 'https://open.larksuite.com/open-apis/bot/v2/hook/***' });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.issues).toEqual([expect.objectContaining({ field: 'url', rule: 'password_required' })]);
      expect((await repo.get(id))?.url).toBe(FEISHU);

      const renewed = 'https://open.feishu.cn/open-apis/bot/v2/hook/0a0b0c0d-new';
      await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: renewed }).expect(200);
      expect((await repo.get(id))?.url).toBe(renewed);
    });

    it("keeps a Slack secret for its own channel only", async () => {
      const { id } = await create({ name: 'ops channel', url: SLACK });
      const shown = (await t.http.get(`/webhooks/${id}`).set(admin).expect(200)).body.url as string;
      expect(shown).toBe('https://hooks.slack.com/services/T00000000/B11111111/***');
      await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: shown }).expect(200);
      expect((await repo.get(id))?.url).toBe(SLACK);
      const otherChannel = await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: 'https://hooks.slack.com/services/T00000000/B22222222/***' });
      expect(otherChannel.status).toBe(400);
      expect((await repo.get(id))?.url).toBe(SLACK);
    });
  });

  describe('a *** where a secret goes (review 2026-12-03 session32, hardening 6)', () => {
    const FEISHU = 'https://open.feishu.cn/open-apis/bot/v2/hook/2f5e0a51-7c3d-4b7a-9e1f-0c2d3e4f5a6b';
    const TELEGRAM = 'https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage?chat_id=-100123';

    it.each([
      // A URL copied from another subscription's view: every alarm would be refused by the receiver.
      ['https://open.feishu.cn/open-apis/bot/v2/hook/***', /path token is \*\*\*/],
      ['https://OPEN.FEISHU.CN./open-apis/bot/v2/hook/%2A%2A%2A', /path token is \*\*\*/],
      ['https://api.telegram.org/bot***/sendMessage', /path token is \*\*\*/],
      ['https://oapi.dingtalk.com/robot/send?access_token=***', /access_token= value is \*\*\*/],
      ['https://siren:***@10.20.0.9/api/alarm', /password is \*\*\*/],
    ])('is refused (400 on url) when a subscription is created: %s', async (url, message) => {
      const before = (await repo.list()).length;
      const refused = await t.http.post('/webhooks').set(admin).send({ name: 'copied', url });
      expect(refused.status).toBe(400); // before: 201, *** stored as the token
      expect(refused.body.issues).toEqual([expect.objectContaining({ in: 'body', field: 'url', rule: 'password_required', message: expect.stringMatching(message) })]);
      expect((await repo.list()).length).toBe(before);
    });

    it('is refused on PATCH where the stored URL has no secret to keep, a trailing-dot host included', async () => {
      const { id } = await create({ name: 'duty group', url: FEISHU });
      // open.feishu.cn. is Feishu, but not the host as stored: the token stays where it is, and no *** is stored.
      const dotted = await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: 'https://open.feishu.cn./open-apis/bot/v2/hook/***' });
      expect(dotted.status).toBe(400); // before: 200, .../hook/*** stored
      expect(dotted.body.issues).toEqual([expect.objectContaining({ field: 'url', rule: 'password_required' })]);
      expect((await repo.get(id))?.url).toBe(FEISHU);

      const { id: plain } = await create({ name: 'gis', url: 'https://gis.example.cn/hooks/xl' });
      const noToken = await t.http.patch(`/webhooks/${plain}`).set(admin).send({ url: 'https://gis.example.cn/hooks/xl?token=***' });
      expect(noToken.status).toBe(400); // before: 200, token=*** stored
      expect(noToken.body.issues).toEqual([expect.objectContaining({ field: 'url', rule: 'password_required', message: expect.stringMatching(/token= value is \*\*\*/) })]);
      const noPassword = await t.http.patch(`/webhooks/${plain}`).set(admin).send({ url: 'https://siren:***@gis.example.cn/hooks/xl' });
      expect(noPassword.status).toBe(400); // before: 200, stored without a password
      expect((await repo.get(plain))?.url).toBe('https://gis.example.cn/hooks/xl');
    });

    it("hides a Telegram bot's token, and keeps it when the URL is sent back as shown", async () => {
      const created = await t.http.post('/webhooks').set(admin).send({ name: 'telegram group', url: TELEGRAM }).expect(201);
      expect(created.body.url).toBe('https://api.telegram.org/bot***/sendMessage?chat_id=-100123'); // before: the token in full
      const id = created.body.id as string;
      await t.http.patch(`/webhooks/${id}`).set(admin).send({ name: 'telegram group 2', url: created.body.url }).expect(200);
      expect((await repo.get(id))?.url).toBe(TELEGRAM);
    });
  });

  describe('a URL no delivery can go to', () => {
    it('is shown unsendable, with the reason its deliveries are dead-lettered with', async () => {
      const { id: fine } = await create({ name: 'gateway', url: 'http://10.20.0.9:8080/api/alarm' });
      // Stored before such URLs were refused (the API answers 400 for them now).
      const read = (await repo.get(fine)) as WebhookSubscription;
      const old: WebhookSubscription = { ...read, id: 'wh_bad_port', name: 'old PA gateway', url: 'http://10.20.0.9:6000/api/alarm' };
      await repo.insert(old);

      const items = (await t.http.get('/webhooks').set(admin).expect(200)).body.items as { id: string; unsendable: { reason: string } | null }[];
      expect(items.find((w) => w.id === fine)?.unsendable).toBeNull();
      const bad = items.find((w) => w.id === old.id)?.unsendable;
      expect(bad?.reason).toMatch(/^URL port 6000 is one fetch refuses/); // before: no such field, the row looked fine
      expect((await t.http.get(`/webhooks/${old.id}`).set(admin).expect(200)).body.unsendable).toEqual(bad);
      // The same words as the delivery log's and dead letters' error for it.
      const tried = await t.http.post(`/webhooks/${old.id}/test`).set(admin).expect(200);
      expect(tried.body).toMatchObject({ outcome: 'failed', error: bad?.reason });

      // Mended: another port, and it is sendable again.
      const mended = await t.http.patch(`/webhooks/${old.id}`).set(admin).send({ url: 'http://10.20.0.9:6001/api/alarm' }).expect(200);
      expect(mended.body.unsendable).toBeNull();
    });
  });
});

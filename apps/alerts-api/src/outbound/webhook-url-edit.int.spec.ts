import '../testing/nest-esm';
import { startTestApp, type TestApp } from '../testing/test-app';
import { TestReceiver } from './testing/http-receiver';
import { WebhooksRepository } from './webhooks.repository';

// GET /webhooks shows a URL's token as ***; a client that edits the URL and sends it back as shown
// must not store the asterisks (every delivery would then fail 401 at the receiver).
describe('editing a webhook URL shown with its token redacted (sqlite)', () => {
  let t: TestApp;
  let admin: { Authorization: string };

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });
  afterAll(() => t?.close());

  it('keeps the stored token for *** on the same endpoint, and refuses *** sent to another host', async () => {
    const created = await t.http.post('/webhooks').set(admin).send({ name: 'gis', url: 'https://gis.example.cn/hooks/xl?token=s3cret-token' }).expect(201);
    const id = created.body.id as string;
    const shown = (await t.http.get(`/webhooks/${id}`).set(admin).expect(200)).body.url as string;
    expect(shown).toBe('https://gis.example.cn/hooks/xl?token=***');

    const moved = await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: 'https://gis.example.cn/hooks/xl-v2?token=***' }).expect(200);
    expect(moved.body.url).toBe('https://gis.example.cn/hooks/xl-v2?token=***');
    expect((await t.app.get(WebhooksRepository).get(id))?.url).toBe('https://gis.example.cn/hooks/xl-v2?token=s3cret-token'); // before: token=***

    const elsewhere = await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: 'https://attacker.example/x?token=***' });
    expect(elsewhere.status).toBe(400);
    expect(JSON.stringify(elsewhere.body)).toContain('password_required');
    expect((await t.app.get(WebhooksRepository).get(id))?.url).toBe('https://gis.example.cn/hooks/xl-v2?token=s3cret-token');

    await t.http.patch(`/webhooks/${id}`).set(admin).send({ url: 'https://gis.example.cn/hooks/xl?token=new-token' }).expect(200);
    expect((await t.app.get(WebhooksRepository).get(id))?.url).toBe('https://gis.example.cn/hooks/xl?token=new-token');
  });

  // Review 2026-12-03 input-security, finding 2: the siren's URL with basic auth was stored and shown,
  // but fetch refused it, so no POST ever went out (the test answered only 'TypeError').
  it('never stores a webhook URL that no delivery can be sent to', async () => {
    const receiver = new TestReceiver();
    try {
      const url = (await receiver.start()).replace('http://', 'http://siren:alarm123@');
      const created = await t.http.post('/webhooks').set(admin).send({ name: 'pond siren', url, alarmsOnly: true }).expect(201);
      expect(created.body.url).toBe(url.replace('alarm123', '***'));
      const tried = await t.http.post(`/webhooks/${created.body.id}/test`).set(admin).expect(200);
      expect(tried.body).toMatchObject({ outcome: 'delivered', error: null }); // before: failed, error "TypeError", 0 requests received
      expect(receiver.requests.map((r) => r.headers.authorization)).toEqual([`Basic ${Buffer.from('siren:alarm123').toString('base64')}`]);

      const badPort = await t.http.post('/webhooks').set(admin).send({ name: 'pa gateway', url: 'http://10.20.0.9:6000/api/alarm' });
      expect(badPort.status).toBe(400);
      expect(JSON.stringify(badPort.body)).toMatch(/url.*port 6000/);
    } finally {
      await receiver.close();
    }
  });
});

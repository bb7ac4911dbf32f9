import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failureOf, FETCH_BAD_PORTS, postSigned } from './webhook-sender';
import { webhookCreateSchema, webhookPatchSchema } from './webhooks.schema';

// Review 2026-12-03 input-security, finding 2: fetch refuses a URL with user:password@ in it, so a
// pond siren configured as its manual says (basic auth in the URL) never received a POST.
describe('webhook URLs with credentials and ports fetch refuses', () => {
  it("sends the URL's user:password as Basic authorization (an IP siren's trigger URL)", async () => {
    const seen: Array<{ authorization: string | undefined; url: string | undefined }> = [];
    const server = createServer((req, res) => (seen.push({ authorization: req.headers.authorization, url: req.url }), res.writeHead(204).end()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await postSigned(
        { url: `http://siren:al%40rm@127.0.0.1:${port}/api/alarm?zone=1`, secret: 'x'.repeat(16) },
        { deliveryId: 'd1', seq: 1, type: 'webhook.test', data: {} },
        2000,
      );
      expect(result).toMatchObject({ ok: true, statusCode: 204 }); // before: ok false, error 'TypeError', nothing sent
      expect(seen).toEqual([{ authorization: `Basic ${Buffer.from('siren:al@rm').toString('base64')}`, url: '/api/alarm?zone=1' }]);
    } finally {
      server.close();
    }
  });

  it('says why a stored URL on a port fetch refuses is not sent, naming the port', async () => {
    const result = await postSigned({ url: 'http://10.20.0.9:6000/api/alarm', secret: 'x'.repeat(16) }, { deliveryId: 'd2', seq: 0, type: 'webhook.test', data: {} }, 2000);
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/port 6000 .*fetch refuses/);
  });

  it("names fetch's credentials error without quoting the URL", () => {
    expect(failureOf(new TypeError('Request cannot be constructed from a URL that includes credentials: http://siren:alarm123@10.20.0.9/'))).toBe('credentials in URL not supported');
  });

  it('refuses at save a URL on a port fetch refuses, naming the field and the port; accepts user:password@', () => {
    const created = webhookCreateSchema.safeParse({ name: 'pond siren', url: 'http://10.20.0.9:5060/api/alarm' });
    expect(created.success).toBe(false);
    expect(created.error?.issues).toEqual([expect.objectContaining({ path: ['url'], message: expect.stringMatching(/port 5060/) })]);
    const patched = webhookPatchSchema.safeParse({ url: 'http://10.20.0.9:10080/' });
    expect(patched.error?.issues).toEqual([expect.objectContaining({ path: ['url'], message: expect.stringMatching(/port 10080/) })]);
    expect(webhookCreateSchema.safeParse({ name: 'pond siren', url: 'http://siren:alarm123@10.20.0.9/api/alarm' }).success).toBe(true);
    expect(webhookCreateSchema.safeParse({ name: 'pond siren', url: 'http://siren:al%E0rm@10.20.0.9/api/alarm' }).error?.issues[0]?.message).toMatch(/percent-encoding/);
  });

  it("knows fetch's bad ports as this Node's fetch refuses them", async () => {
    const refused = async (port: string) => fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then(
      () => false,
      (err: Error) => (err.cause as Error | undefined)?.message === 'bad port',
    );
    for (const port of FETCH_BAD_PORTS) expect([port, await refused(port)]).toEqual([port, true]);
  });
});

import '../testing/nest-esm';
import { ConsoleController } from './console.controller';
import type { ConsoleAsset, ConsoleAssets } from './console-assets';

describe('ConsoleController headers', () => {
  const index: ConsoleAsset = { file: '/built/index.html', cacheControl: 'no-cache' };
  const script: ConsoleAsset = { file: '/built/assets/index-abc.js', cacheControl: 'public, max-age=31536000, immutable' };
  const assets = { index: async () => index, find: async (rel: string) => (rel === 'assets/index-abc.js' ? script : null) } as unknown as ConsoleAssets;
  const controller = new ConsoleController(assets, { displayTimeZone: 'Asia/Shanghai' });

  /** What the controller hands express's sendFile. */
  function response() {
    const sent: { file?: string; headers?: Record<string, string> } = {};
    const res = {
      headersSent: false,
      redirect: jest.fn(),
      sendFile(file: string, options: { headers: Record<string, string> }, done: (err?: Error) => void) {
        sent.file = file;
        sent.headers = options.headers;
        done();
      },
    };
    return { res, sent };
  }

  it('sends the page with a strict Content-Security-Policy, no referrer and no framing', async () => {
    const { res, sent } = response();
    await controller.bare({ url: '/console/' }, res);
    expect(sent.file).toBe(index.file);
    const csp = sent.headers?.['Content-Security-Policy'] ?? '';
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]); // no inline script, no eval
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['img-src']).toEqual(["'self'", 'blob:', 'data:']);
    expect(directives['media-src']).toEqual(["'self'", 'blob:']);
    expect(sent.headers).toMatchObject({ 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache' });
  });

  it('sends the same headers with the scripts and with routes the browser resolves to the page', async () => {
    for (const rel of ['assets/index-abc.js', 'alerts/abc']) {
      const { res, sent } = response();
      await controller.file(rel, res);
      expect(sent.headers?.['Content-Security-Policy']).toContain("default-src 'self'");
      expect(sent.headers?.['X-Frame-Options']).toBe('DENY');
    }
  });
});

import { Registry } from 'prom-client';
import { startProbeServer } from './http-server';

describe('startProbeServer', () => {
  it('fails a check that has not answered after checkTimeoutMs (a PING queued while Redis is away) with 503, and still closes', async () => {
    const checkTimeoutMs = 300;
    // It answers, but only at three times the bound (and before the 2000 ms default): a probe that
    // waited for it, or used another bound, would say 200. Both timers run on one event loop, the
    // shorter first, however loaded the machine.
    let answer: NodeJS.Timeout | undefined;
    const lateCheck = () => new Promise<boolean>((resolve) => (answer = setTimeout(() => resolve(true), 3 * checkTimeoutMs)));
    const probes = await startProbeServer({ port: 0, registry: new Registry(), ready: lateCheck, checkTimeoutMs });
    try {
      const ready = await fetch(`http://127.0.0.1:${probes.port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('no answer within 300 ms');
      expect((await fetch(`http://127.0.0.1:${probes.port}/healthz`)).status).toBe(200);
    } finally {
      await probes.close();
      clearTimeout(answer);
    }
  });
});

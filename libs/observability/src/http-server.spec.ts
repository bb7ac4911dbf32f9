import { Gauge, Registry } from 'prom-client';
import { startProbeServer } from './http-server';

describe('startProbeServer', () => {
  it('fails a check that never answers (a PING queued while Redis is away) with 503 after checkTimeoutMs, and still closes', async () => {
    const probes = await startProbeServer({ port: 0, registry: new Registry(), ready: () => new Promise<boolean>(() => undefined), checkTimeoutMs: 300 });
    try {
      const started = Date.now();
      const ready = await fetch(`http://127.0.0.1:${probes.port}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.text()).toContain('no answer within 300 ms');
      expect(Date.now() - started).toBeLessThan(2000);
      expect((await fetch(`http://127.0.0.1:${probes.port}/healthz`)).status).toBe(200);
    } finally {
      await probes.close();
    }
  });

  it('fails a scrape whose collect never answers (statfs on a hung share) after checkTimeoutMs, and still closes', async () => {
    const registry = new Registry();
    new Gauge({ name: 'xl_test_hung', help: 'collect never settles', registers: [registry], collect: () => new Promise<void>(() => undefined) });
    const probes = await startProbeServer({ port: 0, registry, ready: () => true, checkTimeoutMs: 300 });
    try {
      const started = Date.now();
      const metrics = await fetch(`http://127.0.0.1:${probes.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      expect(metrics.status).toBe(500);
      expect(await metrics.text()).toContain('no answer within 300 ms');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await probes.close();
    }
  });
});

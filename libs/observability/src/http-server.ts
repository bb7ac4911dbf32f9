import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Host to bind; default 127.0.0.1 (set 0.0.0.0 in containers). */
  host?: string;
  registry: Registry;
  /** Liveness: the process is working (not wedged). Default: always true. */
  healthy?: () => boolean | Promise<boolean>;
  /** Readiness: dependencies reachable, ready for work. */
  ready: () => boolean | Promise<boolean>;
  /**
   * A check that has not answered after this long fails (503), and so does /metrics (500). A PING on a
   * connection that queues commands until Redis is back never settles, nor does a collect stuck on a
   * hung share: unbounded, the request would hang past the kubelet's or Prometheus's timeout and each
   * stuck one would hold close() open. Default 2000 ms.
   */
  checkTimeoutMs?: number;
}

export interface ProbeServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** /healthz, /readyz and Prometheus /metrics for the worker apps (alerts-api serves its own through Nest). */
export async function startProbeServer(options: ProbeServerOptions): Promise<ProbeServer> {
  const checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  const withinCheckTimeout = async <T>(check: () => T | Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${checkTimeoutMs} ms`)), checkTimeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(check), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const probe = async (check: () => boolean | Promise<boolean>) => {
      try {
        const ok = await withinCheckTimeout(check);
        reply(ok ? 200 : 503, ok ? 'ok\n' : 'not ready\n');
      } catch (err) {
        reply(503, `error: ${(err as Error).message}\n`);
      }
    };
    if (path === '/healthz') void probe(options.healthy ?? (() => true));
    else if (path === '/readyz') void probe(options.ready);
    else if (path === '/metrics')
      withinCheckTimeout(() => options.registry.metrics()).then(
        (text) => reply(200, text, options.registry.contentType),
        (err: Error) => reply(500, err.message),
      );
    else reply(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections (Prometheus, kubelet) would hold close() open.
        server.closeIdleConnections();
      }),
  };
}

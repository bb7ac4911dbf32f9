// WebSocket push fan-out: N clients on loopback (in worker threads), a burst of alerts published
// through the Redis event log, each delivered to every client by the real WsPushServer (scope
// check, per-client queue). The same clients and burst against a bare `ws` broadcast server give
// the raw limit of this machine; the last line is one JSON object with both and their ratios.
//
//   node tools/run.mjs bench/ws.ts [--clients 1000] [--alerts 300] [--workers 2]
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '@xl/observability';
import { EventFeed } from '../apps/alerts-api/src/realtime/event-feed';
import { RedisEventLog } from '../apps/alerts-api/src/realtime/event-log';
import { RealtimeMetrics } from '../apps/alerts-api/src/realtime/realtime.metrics';
import { resolveRealtimeOptions } from '../apps/alerts-api/src/realtime/realtime.options';
import {
  RegionPathPolicy,
  TokenTableVerifier,
  testPrincipals,
} from '../apps/alerts-api/src/realtime/testing/test-auth';
import { WsPushServer } from '../apps/alerts-api/src/realtime/ws-push-server';

const now = () => performance.timeOrigin + performance.now();

interface ClientJob {
  url: string;
  count: number;
  expected: number;
}
type FromWorker =
  { kind: 'ready' } | { kind: 'done'; latencies: Float64Array; lastAt: number; complete: boolean; duplicates: number };

// ---- worker: holds `count` clients, records send → receive latency of every event ----
async function runClients(job: ClientJob): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  const latencies = new Float64Array(job.count * job.expected);
  let filled = 0;
  let lastAt = 0;
  let duplicates = 0;
  const sockets: WebSocket[] = [];
  const seen: Set<number>[] = [];
  let finish: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const target = job.count * job.expected;
  for (let i = 0; i < job.count; i++) {
    const ws = new WebSocket(job.url, { headers: { authorization: `Bearer ${testPrincipals.admin.id}` } });
    const mine = new Set<number>();
    seen.push(mine);
    ws.on('message', (raw) => {
      const at = now();
      const message = JSON.parse(String(raw)) as { seq?: number; type: string; data?: { sentAt?: number; n?: number } };
      if (message.data?.sentAt === undefined) return;
      const id = message.data.n as number;
      if (mine.has(id)) {
        duplicates++;
        return;
      }
      mine.add(id);
      latencies[filled++] = at - message.data.sentAt;
      lastAt = Math.max(lastAt, at);
      if (filled === target) finish();
    });
    sockets.push(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
  }
  port.postMessage({ kind: 'ready' } satisfies FromWorker);
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
  await Promise.race([finished, timeout]);
  await new Promise((resolve) => setTimeout(resolve, 200)); // late duplicates would show here
  for (const ws of sockets) ws.terminate();
  const done: FromWorker = {
    kind: 'done',
    latencies: latencies.slice(0, filled),
    lastAt,
    complete: filled === target,
    duplicates,
  };
  port.postMessage(done);
}

// ---- main ----
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Starts the clients in workers, waits until all are connected, runs `burst`, collects latencies. */
async function measure(url: string, clients: number, workers: number, alerts: number, burst: () => Promise<number>) {
  const perWorker = Array.from(
    { length: workers },
    (_, i) => Math.floor(clients / workers) + (i < clients % workers ? 1 : 0),
  );
  const pool = perWorker.map(
    (count) => new Worker(__filename, { workerData: { url, count, expected: alerts } satisfies ClientJob }),
  );
  const results = pool.map(
    (w) =>
      new Promise<Extract<FromWorker, { kind: 'done' }>>((resolve, reject) => {
        w.on('message', (m: FromWorker) => m.kind === 'done' && resolve(m));
        w.on('error', reject);
      }),
  );
  await Promise.all(
    pool.map(
      (w) => new Promise<void>((resolve) => w.on('message', (m: FromWorker) => m.kind === 'ready' && resolve())),
    ),
  );
  const started = await burst();
  const done = await Promise.all(results);
  await Promise.all(pool.map((w) => w.terminate()));
  const all = new Float64Array(done.reduce((n, d) => n + d.latencies.length, 0));
  let offset = 0;
  for (const d of done) {
    all.set(d.latencies, offset);
    offset += d.latencies.length;
  }
  all.sort();
  const pct = (p: number) =>
    all.length ? Number(all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))].toFixed(2)) : null;
  const lastAt = Math.max(...done.map((d) => d.lastAt));
  return {
    alertsPerSec: Math.round(alerts / ((lastAt - started) / 1000)),
    fanoutLatencyMs: { p50: pct(50), p95: pct(95), p99: pct(99) },
    deliveries: all.length,
    complete: done.every((d) => d.complete),
    duplicates: done.reduce((n, d) => n + d.duplicates, 0),
  };
}

/**
 * A burst: every alert published at once and stamped with the burst's start, so the latency of a
 * late alert includes its wait behind the earlier ones, as in a real burst.
 */
async function burst(count: number, publish: (n: number, sentAt: number) => Promise<unknown>): Promise<number> {
  const started = now();
  const pending: Promise<unknown>[] = [];
  for (let n = 0; n < count; n++) {
    pending.push(publish(n, started));
    if (n % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(pending);
  return started;
}

/** Single alerts 50 ms apart: the fan-out latency of one alert to every client. */
async function spaced(count: number, publish: (n: number, sentAt: number) => Promise<unknown>): Promise<number> {
  const started = now();
  for (let n = 0; n < count; n++) {
    await publish(n, now());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return started;
}

async function main(): Promise<void> {
  const clients = arg('clients', 1000);
  const alerts = arg('alerts', 300);
  const workers = arg('workers', 2);
  const singles = arg('singles', 20);
  const payload = {
    severity: 'critical',
    message: "person in water zone 'pond' for 3 s",
    boxes: [{ box: [0.4, 0.5, 0.5, 0.8], label: 'person', score: 0.8 }],
  };
  const scope = { cameraId: 'cam-pond', regionPath: ['city', 'county-a', 'village-a1'] };

  // Raw limit: a bare ws server that sends each alert to every socket, no Redis, no scope check.
  const rawHttp = createServer();
  const rawWss = new WebSocketServer({ server: rawHttp });
  const rawPort = await listen(rawHttp);
  const rawPublish = async (n: number, sentAt: number) => {
    const text = JSON.stringify({ seq: n + 1, type: 'alert.created', data: { ...payload, n, sentAt } });
    for (const ws of rawWss.clients) ws.send(text);
  };
  const raw = await measure(`ws://127.0.0.1:${rawPort}`, clients, workers, alerts, () => burst(alerts, rawPublish));
  const rawSingle = await measure(`ws://127.0.0.1:${rawPort}`, clients, workers, singles, () =>
    spaced(singles, rawPublish),
  );
  rawWss.close();
  rawHttp.close();

  // The push: Redis event log → pub/sub → EventFeed → WsPushServer → clients.
  const prefix = `xlbench:ws:${randomBytes(4).toString('hex')}`;
  const options = resolveRealtimeOptions({
    keyPrefix: prefix,
    backlogMaxLen: Math.max(1000, alerts),
    heartbeatMs: 60_000,
    maxQueuedMessages: Math.max(1000, alerts),
  });
  const redis = new Redis(options.redisUrl);
  const subscriber = redis.duplicate();
  const logger = createLogger('bench.ws', 'warn');
  const log = new RedisEventLog(redis, options.keyPrefix, options.backlogMaxLen);
  const feed = new EventFeed(subscriber, log, logger);
  await feed.start();
  const server = new WsPushServer({
    log,
    feed,
    verifier: new TokenTableVerifier({ [testPrincipals.admin.id]: testPrincipals.admin }),
    policy: new RegionPathPolicy(),
    options,
    metrics: new RealtimeMetrics(new Registry()),
    logger,
  });
  const http = createServer();
  server.attach(http);
  const port = await listen(http);
  const url = `ws://127.0.0.1:${port}${options.path}`;
  const pushPublish = (n: number, sentAt: number) =>
    log.append({ type: 'alert.created', scope, data: { ...payload, id: `bench-${prefix}-${n}`, n, sentAt } });
  const pushed = await measure(url, clients, workers, alerts, () => burst(alerts, pushPublish));
  const pushedSingle = await measure(url, clients, workers, singles, () =>
    spaced(singles, (n, at) => pushPublish(alerts + n, at)),
  );
  await server.close();
  await feed.stop();
  http.close();
  subscriber.disconnect();
  await redis.del(log.keys.seq, log.keys.stream);
  const created = await redis.keys(`${prefix}:*`);
  if (created.length) await redis.del(...created);
  redis.disconnect();

  const ratio = (a: number | null, b: number | null) => (a && b ? Number((a / b).toFixed(2)) : null);
  const result = {
    bench: 'ws',
    clients,
    alerts,
    workers,
    ...pushed,
    singleAlertLatencyMs: pushedSingle.fanoutLatencyMs,
    raw: { ...raw, singleAlertLatencyMs: rawSingle.fanoutLatencyMs },
    ratios: {
      alertsPerSecVsRaw: ratio(pushed.alertsPerSec, raw.alertsPerSec),
      burstP50VsRaw: ratio(pushed.fanoutLatencyMs.p50, raw.fanoutLatencyMs.p50),
      burstP99VsRaw: ratio(pushed.fanoutLatencyMs.p99, raw.fanoutLatencyMs.p99),
      singleP50VsRaw: ratio(pushedSingle.fanoutLatencyMs.p50, rawSingle.fanoutLatencyMs.p50),
      singleP99VsRaw: ratio(pushedSingle.fanoutLatencyMs.p99, rawSingle.fanoutLatencyMs.p99),
    },
  };
  console.log(JSON.stringify(result));
  const ok = [pushed, pushedSingle].every((r) => r.complete && r.duplicates === 0);
  if (!ok) process.exitCode = 1;
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  void runClients(workerData as ClientJob);
}

import '../testing/nest-esm';
import fc from 'fast-check';
import type { Test } from 'supertest';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { alertEvent } from '../testing/alert-events';
import { startTestApp, type TestApp } from '../testing/test-app';
import { DATABASE_KINDS } from '../testing/test-databases';
import { createWorld } from '../testing/world';
import { checkProperty, fuzzParameters, seedFor } from './fuzz/fuzz-parameters';
import { type FuzzBody, type OpenApiDocument, operationOf, pathSegment, queryString, requestBody } from './fuzz/openapi-arbitraries';
import { routeParams, servedRoutes, splitRoute } from './route-inventory';

// Property-based fuzzing of every route the app serves (read from the app, so new routes are
// covered at once): path parameters, query strings and bodies generated from the app's OpenAPI
// document, as every kind of caller. A response must come within 10 s and be < 500; the app must
// still answer afterwards. Reproduce a failure with the printed seed: XL_FUZZ_SEED=<seed>.
//
// One exception: a route that does not read bodies (the OpenAPI pages) answers before a huge upload
// has been sent, and the client sees the connection end under its upload. That is the server being
// done, not failing; the next request shows the process is still there.

const { seed, numRuns } = fuzzParameters(15);
const DEADLINE_MS = 10_000;

interface FuzzRequest {
  caller: string;
  params: Record<string, string>;
  query: string;
  body: FuzzBody;
}

describe.each(DATABASE_KINDS)('HTTP fuzzing of every route on %s', (kind) => {
  let t: TestApp;
  const credentials: Record<string, string | null> = {};
  const tokens: string[] = [
    ...['cam-a', 'cam-b', 'cam-a3', 'vil-a1a', 'town-a1', 'county-b', 'city', 'pond', 'admin', 'op-a', 'school-a'],
    ...['rtsp://10.0.0.9/main', 'rtsp://u:p@10.0.0.9:554/sub', 'http://127.0.0.1:2/hook', 'long-enough-password', 'Asia/Shanghai'],
  ];

  beforeAll(async () => {
    t = await startTestApp(kind, { XL_TEST_DOCS: '1' });
    await createWorld(t);
    for (const user of ['admin', 'op-a', 'school-a', 'viewer-a']) credentials[user] = await t.token(user);
    const admin = { Authorization: `Bearer ${credentials.admin}` };
    credentials['api-key'] = (await t.http.post('/api-keys').set(admin).send({ name: 'fuzz key', role: 'operator', regionIds: ['town-a1'] }).expect(201)).body.key;
    credentials.anonymous = null;
    credentials.garbage = 'not.a.token';
    // Real ids of every kind, so generated requests reach existing objects too.
    for (const cameraId of ['cam-a', 'cam-b']) {
      const event = alertEvent({ cameraId });
      await t.app.get(AlertIntakeService).consume(event);
      tokens.push(event.alertId);
    }
    tokens.push((await t.http.post('/webhooks').set(admin).send({ name: 'fuzz hook', url: 'http://127.0.0.1:2/h' }).expect(201)).body.id);
    for (const listing of ['/users', '/api-keys']) tokens.push(...((await t.http.get(listing).set(admin)).body.items as { id: string }[]).map((i) => i.id));
  });

  afterAll(async () => {
    await t?.close();
  });

  function send(route: string, req: FuzzRequest): Test {
    const { method, path } = splitRoute(route);
    const url = path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => req.params[name]) + req.query;
    let call = (t.http as unknown as Record<string, (url: string) => Test>)[method.toLowerCase()](url).timeout({ deadline: DEADLINE_MS });
    const credential = credentials[req.caller];
    if (credential) call = call.set('Authorization', `Bearer ${credential}`);
    if (req.body.kind === 'json') return call.set('Content-Type', 'application/json').send(JSON.stringify(req.body.value));
    if (req.body.kind === 'raw') return call.set('Content-Type', req.body.contentType).send(req.body.text);
    if (req.body.kind === 'huge') return call.set('Content-Type', 'application/json').send(JSON.stringify({ note: 'x'.repeat(req.body.bytes) }));
    return call;
  }

  async function status(route: string, req: FuzzRequest): Promise<{ status: number; text: string }> {
    try {
      return await send(route, req);
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message;
      if (req.body.kind === 'huge' && ['ECONNRESET', 'EPIPE', 'aborted'].includes(code)) return { status: 0, text: `connection ended during the upload (${code})` };
      throw new Error(`${route}: no answer: ${(err as Error).message}`);
    }
  }

  it(`answers every route with < 500 within ${DEADLINE_MS / 1000} s (${numRuns} runs per route, seed ${seed})`, async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as OpenApiDocument;
    const routes = servedRoutes(t.app);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const route of routes) {
      const op = operationOf(doc, route);
      const params = Object.fromEntries(routeParams(splitRoute(route).path).map((name) => [name, pathSegment(tokens)]));
      const request = fc.record<FuzzRequest>({
        // Admins may call everything: weighted up so that writes get past the role check often.
        caller: fc.oneof({ weight: 4, arbitrary: fc.constant('admin') }, { weight: 6, arbitrary: fc.constantFrom(...Object.keys(credentials)) }),
        params: fc.record(params),
        query: queryString(op, tokens),
        body: requestBody(op, tokens),
      });
      const failure = await checkProperty(
        fc.asyncProperty(request, async (req) => {
          const res = await status(route, req);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`${route} answered ${res.status}: ${res.text.slice(0, 300)}`);
        }),
        { seed: seedFor(seed, route), numRuns },
      );
      if (failure) failures.push(`${route}: ${failure}`);
      const health = await t.http.get('/healthz').timeout({ deadline: DEADLINE_MS });
      if (health.status !== 200) failures.push(`after fuzzing ${route}, /healthz answered ${health.status}`);
    }
    expect(routes.length).toBeGreaterThan(30);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const succeeded = [...statuses].filter(([code]) => code >= 200 && code < 300).reduce((a, [, n]) => a + n, 0);
    process.stderr.write(`HTTP fuzz on ${kind}: ${routes.length} routes, ${total} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}\n`);
    // The generator must get past validation often enough to exercise the services and the database.
    expect(succeeded / total).toBeGreaterThan(0.05);
    if (failures.length) throw new Error(`${failures.length} route(s) failed:\n\n${failures.join('\n\n')}`);
  }, 300_000);
});

import { uniquePrefix } from '@xl/testing';
import type { PushEvent } from '../shared/push-events';
import { RedisEventLog, type LogEvent, type LogPage } from './event-log';
import { pushEvent, startPushServer, type PushHarness } from './testing/push-harness';
import { RegionPathPolicy, scopes, testPrincipals, testTokens } from './testing/test-auth';
import { TestPushClient } from './testing/ws-client';

/** Runs a hook before chosen backlog reads, to land live events in the middle of a replay. */
class InterleavingLog extends RedisEventLog {
  hooks: (() => Promise<void>)[] = [];
  override async readAfter(afterSeq: number, count: number): Promise<LogPage> {
    const hook = this.hooks.shift();
    if (hook) await hook();
    return super.readAfter(afterSeq, count);
  }
}

describe('WebSocket push (real Redis, real ws clients)', () => {
  const harnesses: PushHarness[] = [];
  const clients: TestPushClient[] = [];
  const start = async (...args: Parameters<typeof startPushServer>) => {
    const h = await startPushServer(...args);
    harnesses.push(h);
    return h;
  };
  const connect = async (...args: Parameters<typeof TestPushClient.connect>) => {
    const c = await TestPushClient.connect(...args);
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const h of harnesses.splice(0)) await h.close();
  });

  const publishAll = async (log: RedisEventLog, events: PushEvent[]) => {
    const out: LogEvent[] = [];
    for (const e of events) out.push(await log.append(e));
    return out;
  };
  const seqsVisibleTo = (events: LogEvent[], cameraIds: string[], afterSeq = 0) =>
    events
      .filter((e) => cameraIds.includes(e.scope.cameraId) && e.seq > afterSeq)
      .map((e) => e.seq)
      .sort((x, y) => x - y);

  it('authenticates at the handshake: 401 before the upgrade without a valid credential', async () => {
    const h = await start(uniquePrefix('ws-auth'));
    await expect(TestPushClient.connect(h.url, null)).rejects.toMatchObject({ statusCode: 401 });
    await expect(TestPushClient.connect(h.url, 'not-a-token')).rejects.toMatchObject({ statusCode: 401 });
    await expect(
      TestPushClient.connect(h.url, testPrincipals.school.id, { lastSeq: -1 as number }),
    ).rejects.toMatchObject({ statusCode: 400 });
    const viaQuery = await connect(h.url, testPrincipals.school.id, { via: 'query' });
    await viaQuery.waitFor('hello', () => viaQuery.messages.some((m) => m.type === 'hello'));
    // As the console connects: the token among the offered subprotocols, never in the URL; the
    // server answers with xl.v1, which the browser requires of a socket it offered protocols to.
    const viaProtocol = await connect(h.url, testPrincipals.school.id, { via: 'protocol' });
    await viaProtocol.waitFor('hello', () => viaProtocol.messages.some((m) => m.type === 'hello'));
    expect(viaProtocol.ws.protocol).toBe('xl.v1');
    await expect(TestPushClient.connect(h.url, 'not-a-token', { via: 'protocol' })).rejects.toMatchObject({ statusCode: 401 });
  });

  it("keeps pushing to every other client when one client's session throws, and tells that one to resync", async () => {
    const h = await start(uniquePrefix('ws-isolate'));
    const broken = await connect(h.url, testPrincipals.operatorA.id);
    const admin = await connect(h.url, testPrincipals.admin.id);
    const canSee = jest.spyOn(RegionPathPolicy.prototype, 'canSee');
    canSee.mockImplementation((p) => {
      if (p.id === testPrincipals.operatorA.id) throw new Error('unexpected event shape');
      return true;
    });
    try {
      const [published] = await publishAll(h.log, [pushEvent(scopes.riverA, { id: 'a1' })]);
      await admin.waitForEvents(1);
      expect(admin.eventSeqs).toEqual([published.seq]);
      await broken.waitFor('resync', () => broken.messages.some((m) => m.type === 'resync_required'));
    } finally {
      canSee.mockRestore();
    }
  });

  it('delivers each client only the events in its scope: a school sees its pond, not the other region', async () => {
    const h = await start(uniquePrefix('ws-scope'));
    const school = await connect(h.url, testPrincipals.school.id);
    const opA = await connect(h.url, testPrincipals.operatorA.id);
    const opB = await connect(h.url, testPrincipals.operatorB.id);
    const admin = await connect(h.url, testPrincipals.admin.id);
    const published = await publishAll(h.log, [
      pushEvent(scopes.schoolPond, { id: 'a1' }),
      pushEvent(scopes.riverB, { id: 'b1' }),
      pushEvent(scopes.riverA, { id: 'a2' }),
      pushEvent(scopes.schoolPond, { id: 'a1', state: 'acknowledged' }, 'alert.updated'),
      pushEvent(scopes.riverB, { cameraId: 'cam-river-b', status: 'offline' }, 'camera.status'),
    ]);
    await admin.waitForEvents(5);
    await opA.waitForEvents(3);
    await opB.waitForEvents(2);
    await school.waitForEvents(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(school.events).toEqual([
      { seq: published[0].seq, type: 'alert.created', at: published[0].at, data: { id: 'a1' } },
      { seq: published[3].seq, type: 'alert.updated', at: published[3].at, data: { id: 'a1', state: 'acknowledged' } },
    ]);
    expect(opA.eventSeqs).toEqual(seqsVisibleTo(published, ['cam-pond', 'cam-river-a']));
    expect(opB.eventSeqs).toEqual(seqsVisibleTo(published, ['cam-river-b']));
    expect(admin.eventSeqs).toEqual(published.map((e) => e.seq));
  });

  it('a reconnecting client resumes: missed events exactly once and in order, with live events racing the replay', async () => {
    const h = await start(
      uniquePrefix('ws-resume'),
      { replayPageSize: 3 },
      (redis, o) => new InterleavingLog(redis, o.keyPrefix, o.backlogMaxLen),
    );
    const log = h.log as InterleavingLog;
    const all: LogEvent[] = [];
    const mixed = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => pushEvent(i % 3 === 2 ? scopes.riverB : scopes.schoolPond, { tag, i }));

    const first = await connect(h.url, testPrincipals.school.id);
    all.push(...(await publishAll(log, mixed(4, 'seen'))));
    await first.waitForEvents(3);
    const lastSeq = first.eventSeqs.at(-1) as number;
    first.close();

    all.push(...(await publishAll(log, mixed(7, 'missed'))));
    // Published while the replay reads its first and second pages: both before and after a read.
    const raced: Promise<void>[] = [];
    const race = (tag: string) => () => {
      const done = publishAll(log, mixed(3, tag)).then((events) => void all.push(...events));
      raced.push(done);
      return done;
    };
    log.hooks = [race('race1'), race('race2')];
    const again = await connect(h.url, testPrincipals.school.id, { lastSeq });
    all.push(...(await publishAll(log, mixed(3, 'live'))));
    await again.waitFor('both races', () => raced.length === 2);
    await Promise.all(raced);

    const expected = seqsVisibleTo(all, ['cam-pond'], lastSeq);
    expect(expected.length).toBe(11);
    await again.waitForEvents(expected.length);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(again.messages[0]).toEqual({ type: 'hello', seq: lastSeq });
    expect(again.eventSeqs).toEqual(expected);
  });

  it('resumes from a {type:"resume"} message too, and asks for a resync when the backlog no longer reaches back', async () => {
    const h = await start(uniquePrefix('ws-resync'), { backlogMaxLen: 10 });
    const early = await publishAll(
      h.log,
      Array.from({ length: 4 }, (_, i) => pushEvent(scopes.schoolPond, { i })),
    );
    // A session starts at what the feed has seen: once it has seen the fourth, the hello carries it and
    // nothing is sent live before the replay (else the fourth could come live, ahead of the replayed third).
    const seen = async (): Promise<boolean> => {
      for (let i = 0; i < 100 && h.feed.lastSeq < early[3].seq; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      return h.feed.lastSeq >= early[3].seq;
    };
    expect(await seen()).toBe(true);
    const resumer = await connect(h.url, testPrincipals.school.id);
    await resumer.waitFor('hello', () => resumer.messages.length === 1);
    expect(resumer.messages[0]).toEqual({ type: 'hello', seq: early[3].seq });
    resumer.send({ type: 'resume', lastSeq: early[1].seq });
    await resumer.waitForEvents(2);
    expect(resumer.eventSeqs).toEqual([early[2].seq, early[3].seq]);

    const later = await publishAll(
      h.log,
      Array.from({ length: 12 }, (_, i) => pushEvent(scopes.schoolPond, { i })),
    );
    const head = later.at(-1)?.seq as number;
    const stale = await connect(h.url, testPrincipals.school.id, { lastSeq: early[0].seq });
    await stale.waitFor('resync', () => stale.messages.some((m) => m.type === 'resync_required'));
    expect(stale.messages).toEqual([
      { type: 'hello', seq: early[0].seq },
      { type: 'resync_required', seq: head },
    ]);
    const next = await h.log.append(pushEvent(scopes.schoolPond, { after: 'resync' }));
    await stale.waitForEvents(1);
    expect(stale.eventSeqs).toEqual([next.seq]);
  });

  it('tells a resuming console to resync when Redis lost its last second and no instance survived to remember it', async () => {
    const prefix = uniquePrefix('ws-rollback-all');
    const before = await start(prefix);
    const console1 = await connect(before.url, testPrincipals.operatorA.id);
    for (let i = 0; i < 10; i++) await before.log.append(pushEvent(scopes.riverA, { id: `before-${i}` }));
    await console1.waitForEvents(10);
    const held = console1.events;
    const last = held.at(-1)!;
    const lastSeq = last.seq!;
    expect(typeof last.at).toBe('number'); // events carry their identity on the wire
    console1.close();
    await before.server.close(); // the host loses power: every API instance goes …
    await before.feed.stop();
    // … and Redis replays an AOF without its last second (here: the last 3 appends).
    const { redis, log } = before;
    await redis.set(log.keys.seq, String(lastSeq - 3));
    for (let s = lastSeq - 2; s <= lastSeq; s++) await redis.xdel(log.keys.stream, `${s}-0`);
    await redis.xsetid(log.keys.stream, `${lastSeq - 3}-0`); // the stream's last id as the AOF had it

    const after = await start(prefix); // restarted: it has seen nothing
    for (let i = 0; i < 5; i++) await after.log.append(pushEvent(scopes.riverA, { id: `after-${i}` }));
    expect((await after.log.readAfter(lastSeq - 1, 10)).events[0].seq).toBe(lastSeq); // the seq is handed out again

    // The console held `before-9` under lastSeq; the stream now has `after-2` there.
    const console2 = await connect(after.url, testPrincipals.operatorA.id, { lastSeq, lastAt: last.at });
    await console2.waitFor('resync', () => console2.messages.some((m) => m.type === 'resync_required'));
    expect(console2.messages.slice(0, 2)).toEqual([
      { type: 'hello', seq: lastSeq },
      { type: 'resync_required', seq: lastSeq + 2 },
    ]);
    // The same through a resume message.
    const console3 = await connect(after.url, testPrincipals.operatorA.id);
    await console3.waitFor('hello', () => console3.messages.length === 1);
    console3.send({ type: 'resume', lastSeq, lastAt: last.at });
    await console3.waitFor('resync', () => console3.messages.some((m) => m.type === 'resync_required'));
    // A console that resumes from an event Redis kept replays as before: its identity matches.
    const kept = held[5];
    const console4 = await connect(after.url, testPrincipals.operatorA.id, { lastSeq: kept.seq, lastAt: kept.at });
    await console4.waitForEvents(6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(console4.events.map((m) => m.data?.id)).toEqual(['before-6', 'after-0', 'after-1', 'after-2', 'after-3', 'after-4']);
    expect(console4.messages.some((m) => m.type === 'resync_required')).toBe(false);
    // A missing entry inside the backlog (deleted, or skipped by a raised counter) is not the event held either.
    await redis.xdel(log.keys.stream, `${held[2].seq}-0`);
    const console5 = await connect(after.url, testPrincipals.operatorA.id, { lastSeq: held[2].seq, lastAt: held[2].at });
    await console5.waitFor('resync', () => console5.messages.some((m) => m.type === 'resync_required'));
  });

  it('two instances sharing Redis: every client gets every event in its scope once, whichever instance it is on', async () => {
    const prefix = uniquePrefix('ws-two');
    const a = await start(prefix);
    const b = await start(prefix);
    const schoolOnA = await connect(a.url, testPrincipals.school.id);
    const schoolOnB = await connect(b.url, testPrincipals.school.id);
    const opBOnB = await connect(b.url, testPrincipals.operatorB.id);
    const events: LogEvent[] = [];
    for (let i = 0; i < 10; i++)
      events.push(await (i % 2 ? a : b).log.append(pushEvent(i % 3 ? scopes.schoolPond : scopes.riverB, { i })));
    const pond = seqsVisibleTo(events, ['cam-pond']);
    const riverB = seqsVisibleTo(events, ['cam-river-b']);
    await schoolOnA.waitForEvents(pond.length);
    await schoolOnB.waitForEvents(pond.length);
    await opBOnB.waitForEvents(riverB.length);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(schoolOnA.eventSeqs).toEqual(pond);
    expect(schoolOnB.eventSeqs).toEqual(pond);
    expect(opBOnB.eventSeqs).toEqual(riverB);
  });

  it('disconnects a client that stops reading once its queue is full; the others keep receiving', async () => {
    const h = await start(uniquePrefix('ws-slow'), {
      maxBufferedBytes: 16 * 1024,
      maxQueuedMessages: 20,
      replayPageSize: 10,
      backlogMaxLen: 50,
    });
    const slow = await connect(h.url, testPrincipals.admin.id);
    const normal = await connect(h.url, testPrincipals.admin.id);
    await slow.waitFor('hello', () => slow.messages.length === 1);
    (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const blob = 'x'.repeat(64 * 1024);
    let published = 0;
    while (h.server.clientCount === 2 && published < 1500) {
      await h.log.append(pushEvent(scopes.riverA, { blob, n: published++ }));
      if (published % 20 === 0) await normal.waitForEvents(published, 10_000);
    }
    expect(h.server.clientCount).toBe(1);
    for (let i = 0; i < 5; i++) await h.log.append(pushEvent(scopes.riverA, { n: published++ }));
    await normal.waitForEvents(published, 10_000);
    expect(normal.events.map((e) => e.data?.n)).toEqual(Array.from({ length: published }, (_, i) => i));
    const metrics = await h.registry.getSingleMetricAsString('xl_ws_disconnects_total');
    expect(metrics).toContain('xl_ws_disconnects_total{reason="slow_consumer"} 1');
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.waitForClose(5000);
    expect(slow.events.length).toBeLessThan(published);
  });

  it('terminates a client that stops answering pings; a live one stays', async () => {
    const h = await start(uniquePrefix('ws-beat'), { heartbeatMs: 100 });
    const dead = await connect(h.url, testPrincipals.school.id, { autoPong: false });
    const alive = await connect(h.url, testPrincipals.school.id);
    await dead.waitForClose(3000);
    expect(dead.closeCode).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(h.server.clientCount).toBe(1);
    const e = await h.log.append(pushEvent(scopes.schoolPond, {}));
    await alive.waitForEvents(1);
    expect(alive.eventSeqs).toEqual([e.seq]);
    expect(await h.registry.getSingleMetricAsString('xl_ws_disconnects_total')).toContain('reason="heartbeat"} 1');
  });

  it('re-checks an open connection: a changed scope applies, a revoked credential is closed with 4401', async () => {
    const tokens = { ...testTokens, temp: testPrincipals.operatorA };
    const h = await start(uniquePrefix('ws-reverify'), { heartbeatMs: 100, reverifyMs: 100 }, undefined, tokens);
    const client = await connect(h.url, 'temp');
    const a1 = await h.log.append(pushEvent(scopes.riverA, {}));
    await client.waitForEvents(1);
    tokens.temp = testPrincipals.operatorB; // moved to county B
    await new Promise((resolve) => setTimeout(resolve, 400));
    await h.log.append(pushEvent(scopes.riverA, {}));
    const b1 = await h.log.append(pushEvent(scopes.riverB, {}));
    await client.waitForEvents(2);
    expect(client.eventSeqs).toEqual([a1.seq, b1.seq]);
    delete (tokens as Record<string, unknown>).temp; // revoked
    await client.waitForClose(3000);
    expect(client.closeCode).toBe(4401);
    expect(await h.registry.getSingleMetricAsString('xl_ws_disconnects_total')).toContain('reason="unauthorized"} 1');
  });

  it('refuses a handshake past the limit per user or key (429) and per instance (503), and takes one again once a connection ends', async () => {
    const h = await start(uniquePrefix('ws-limits'), { maxConnections: 3, maxConnectionsPerPrincipal: 2 });
    const hello = async (c: TestPushClient) => c.waitFor('hello', () => c.messages.some((m) => m.type === 'hello'));
    const [s1, s2] = await Promise.all([connect(h.url, testPrincipals.school.id), connect(h.url, testPrincipals.school.id)]);
    await Promise.all([hello(s1), hello(s2)]);
    await expect(TestPushClient.connect(h.url, testPrincipals.school.id)).rejects.toMatchObject({ statusCode: 429 });
    await hello(await connect(h.url, testPrincipals.admin.id));
    await expect(TestPushClient.connect(h.url, testPrincipals.operatorA.id)).rejects.toMatchObject({ statusCode: 503 });
    expect(h.server.clientCount).toBe(3);
    s1.close();
    const deadline = Date.now() + 3000;
    while (h.server.clientCount > 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await connect(h.url, testPrincipals.school.id);
    await hello(again);
    // The school's other screen still gets its events.
    const e = await h.log.append(pushEvent(scopes.schoolPond, {}));
    await s2.waitForEvents(1);
    expect(s2.eventSeqs).toEqual([e.seq]);
    const refused = await h.registry.getSingleMetricAsString('xl_ws_refused_total');
    expect(refused).toContain('reason="principal_limit"} 1');
    expect(refused).toContain('reason="instance_full"} 1');
  });

  it('measures capture → first WebSocket send of alert.created, and the scene age with the stream delay, and counts clients', async () => {
    const h = await start(uniquePrefix('ws-latency'));
    const c1 = await connect(h.url, testPrincipals.admin.id);
    const c2 = await connect(h.url, testPrincipals.school.id);
    expect(await h.registry.getSingleMetricAsString('xl_ws_clients')).toContain('xl_ws_clients 2');
    const capturedAt = Date.now() - 1500;
    await h.log.append({ ...pushEvent(scopes.schoolPond, { streamDelaySeconds: 12 }), capturedAt });
    await h.log.append({ ...pushEvent(scopes.schoolPond, {}, 'alert.updated'), capturedAt: Date.now() - 9000 });
    await c1.waitForEvents(2);
    await c2.waitForEvents(2);
    const receivedAt = Date.now();
    const text = await h.registry.getSingleMetricAsString('xl_alert_latency_seconds');
    expect(text).toContain('xl_alert_latency_seconds_count 1');
    expect(await h.registry.getSingleMetricAsString('xl_ws_events_sent_total')).toContain('xl_ws_events_sent_total 4');
    const sum = Number(/xl_alert_latency_seconds_sum (\S+)/.exec(text)?.[1]);
    // From the capture of alert.created to its first send: within what passed from that capture to its
    // arrival here; the update, captured 9 s before it was appended, would not fit.
    expect(sum).toBeGreaterThanOrEqual(1.5);
    expect(sum).toBeLessThanOrEqual((receivedAt - capturedAt) / 1000);
    // The scene was 12 s older than its capture time: the camera's stream arrived that late.
    const age = await h.registry.getSingleMetricAsString('xl_alert_scene_age_seconds');
    expect(age).toContain('xl_alert_scene_age_seconds_count 1');
    expect(Number(/xl_alert_scene_age_seconds_sum (\S+)/.exec(age)?.[1]) - sum).toBeCloseTo(12, 5);
  });
});

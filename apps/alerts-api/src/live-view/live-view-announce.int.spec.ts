import '../testing/nest-esm';
import WebSocket from 'ws';
import { startListeningApi, type ListeningApi } from '../security/testing/listening-api';
import { FakeLauncher } from './fake-live-source';
import { LiveSourceLauncher } from './live-source';

// A user disabled, an API key revoked, a camera taken out of a scope: the admin's change is announced
// (PrincipalChanges) and the principal's open live views close at once, as its /ws connections do.
// Before, a live view learned of it only at its periodic re-check (XL_LIVE_RECHECK_MS, 60 s): a
// dismissed operator kept watching the pond for up to a minute. Only ffmpeg is faked.
describe('live views of a changed user or API key (real Redis, SQLite, fake ffmpeg)', () => {
  let env: ListeningApi;
  let base: string;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    env = await startListeningApi({ realtime: { heartbeatMs: 100, reverifyMs: 60_000 } });
    const launcher = new FakeLauncher();
    jest.spyOn(env.api.app.get(LiveSourceLauncher), 'start').mockImplementation((url, encode, handlers) => launcher.start(url, encode, handlers));
    base = env.api.wsUrl.replace(/\/ws$/, '');
  });
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    jest.restoreAllMocks();
    await env?.close();
  });

  const admin = async () => ({ Authorization: `Bearer ${await env.api.world.token('admin')}` });
  /** A live view of `cameraId` as the console's player opens it; resolves once open, with how it closed. */
  const watch = async (token: string, cameraId = 'cam-a') => {
    const ws = new WebSocket(`${base}/live/${cameraId}`, ['xl.v1', `xl.bearer.${token}`]);
    sockets.push(ws);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return { ws, closed };
  };
  const within = <T,>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise((r) => setTimeout(() => r(`still open after ${ms} ms`), ms).unref())]);

  it("closes a disabled user's live view at once (4401)", async () => {
    await env.api.world.http.post('/users').set(await admin()).send({ username: 'leaving-watcher', password: 'leaving-watcher-password', role: 'operator', regionIds: ['city'] }).expect(201);
    const user = ((await env.api.world.http.get('/users').set(await admin())).body.items as { id: string; username: string }[]).find((u) => u.username === 'leaving-watcher')!;
    const view = await watch(await env.api.world.token('leaving-watcher'));
    await env.api.world.http.patch(`/users/${user.id}`).set(await admin()).send({ disabled: true }).expect(200);
    expect(await within(view.closed, 2000)).toBe(4401); // before: open until the 60 s re-check
  });

  it("closes a revoked API key's live view at once (4401)", async () => {
    const key = (await env.api.world.http.post('/api-keys').set(await admin()).send({ name: 'wall display', role: 'viewer', regionIds: ['city'] }).expect(201)).body;
    const view = await watch(key.key);
    await env.api.world.http.delete(`/api-keys/${key.id}`).set(await admin()).expect(204);
    expect(await within(view.closed, 2000)).toBe(4401);
  });

  it('closes the live view of a camera taken out of the scope at once (4404), and keeps the others', async () => {
    await env.api.world.http.post('/users').set(await admin()).send({ username: 'moved-watcher', password: 'moved-watcher-password', role: 'operator', regionIds: ['vil-a1a', 'vil-b1a'] }).expect(201);
    const user = ((await env.api.world.http.get('/users').set(await admin())).body.items as { id: string; username: string }[]).find((u) => u.username === 'moved-watcher')!;
    const token = await env.api.world.token('moved-watcher');
    const [moved, kept] = [await watch(token, 'cam-a'), await watch(token, 'cam-b')];
    await env.api.world.http.patch(`/users/${user.id}`).set(await admin()).send({ regionIds: ['vil-b1a'] }).expect(200);
    expect(await within(moved.closed, 2000)).toBe(4404);
    expect(await within(kept.closed, 300)).toBe('still open after 300 ms');
  });
});

// api.ts and the renewal (use-session-renewal.ts) against a stand-in `fetch` that answers as
// alerts-api does: the user a sign-in, a renewal or a password change takes (GET /auth/me), the
// server's clock read from the answers' Date header, and the time limit of a read that hangs.
import type { Principal } from '../../apps/console/src/types';
import { FakeStorage, flushEffects, installBrowserGlobals, issuedToken, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);

// use-session-renewal.ts and api.ts use the DOM's types, which the root typecheck (node) lacks: loaded
// untyped, with the shapes used here restated.
interface Session {
  token: string;
  user: Principal;
  expiresAt?: number;
}
interface ApiInstance {
  alert(id: string): Promise<unknown>;
  changePassword(currentPassword: string, newPassword: string): Promise<{ token: string; expiresAt: number }>;
  serverNow(): number;
}
const { useSessionRenewal, withCurrentUser } = jest.requireActual('../../apps/console/src/use-session-renewal') as {
  useSessionRenewal(session: Session, renewed: (next: Session) => void, ended: () => void): void;
  withCurrentUser(session: Session): Promise<Session>;
};
const { Api, ApiError } = jest.requireActual('../../apps/console/src/api') as {
  Api: { login(username: string, password: string): Promise<Session>; new (token: string, onUnauthorized: () => void): ApiInstance };
  ApiError: new (status: number, message: string) => Error;
};

const HOUR = 3_600_000;
const serverNow = 1_800_000_000_000;
const token = issuedToken;

type Init = { headers?: Record<string, string>; signal?: AbortSignal };
/** An answer: [status, JSON body], with a Date header when `date` is given; 'hang' never answers (until aborted). */
type Answer = [number, unknown, { date?: number }?] | 'hang';

/** fetch as the browser gives it: `routes` answers each path. */
function stubFetch(routes: Record<string, (init: Init) => Answer>): jest.Mock {
  const fetch = jest.fn(async (path: string, init: Init = {}) => {
    const answer = routes[path.split('?')[0]](init);
    if (answer === 'hang') {
      // A keep-alive connection a NAT dropped: no answer, ever — only an abort ends the wait.
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new Error('The operation was aborted.'))));
    }
    const [status, body, { date } = {}] = answer;
    const headers = new Map(date === undefined ? [] : [['date', new Date(date).toUTCString()]]);
    return { ok: status >= 200 && status < 300, status, headers, json: async () => body };
  });
  (globalThis as Record<string, unknown>).fetch = fetch;
  return fetch;
}

const signedInAs = { kind: 'user', id: 'u1', name: 'Pond school', role: 'viewer', regionIds: ['village'], cameraIds: [], waters: [] } as Principal;
// The admin corrected the account: it is the school of the pond now (PATCH /users/u1 {role, waters}).
const corrected = { ...signedInAs, role: 'school', regionIds: [], cameraIds: ['cam-pond'], waters: ['cam-pond/pond'] } as Principal;

const savedFetch = (globalThis as Record<string, unknown>).fetch;
let storage: FakeStorage;
let restoreGlobals: () => void;
beforeEach(() => {
  storage = new FakeStorage();
  restoreGlobals = installBrowserGlobals(storage);
});
afterEach(() => {
  unmount();
  restoreGlobals();
  (globalThis as Record<string, unknown>).fetch = savedFetch;
  jest.useRealTimers();
});

describe('Api.login', () => {
  it('does not take an error answer of GET /auth/me for the user', async () => {
    const t = token(serverNow, 8 * HOUR, 'sig');
    stubFetch({
      '/auth/login': () => [200, { accessToken: t.token, tokenType: 'Bearer', expiresAt: t.expiresAt }],
      // The database failed over between the two requests: Nest's JSON error body.
      '/auth/me': () => [500, { statusCode: 500, message: 'Internal server error' }],
    });
    const outcome = await Api.login('pond', 'secret').then(
      (session) => ({ signedInAs: session.user }),
      (err: Error) => ({ refused: err.message }),
    );
    // Before 2026-12-03: { signedInAs: { statusCode: 500, … } } — no role, so no school screen.
    expect(outcome).toEqual({ refused: 'Internal server error' });
  });

  it('takes the user GET /auth/me answers with the new token', async () => {
    const t = token(serverNow, 8 * HOUR, 'sig');
    stubFetch({
      '/auth/login': () => [200, { accessToken: t.token, tokenType: 'Bearer', expiresAt: t.expiresAt }],
      '/auth/me': (init) => (init.headers?.authorization === `Bearer ${t.token}` ? [200, corrected] : [401, { message: 'no token' }]),
    });
    expect(await Api.login('pond', 'secret')).toEqual({ token: t.token, user: corrected, expiresAt: t.expiresAt });
  });

  it("keeps the device token a sign-in gives and sends it with that user's next logins only", async () => {
    const local = new FakeStorage();
    (globalThis as Record<string, unknown>).localStorage = local;
    try {
      const t = token(serverNow, 8 * HOUR, 'sig');
      const fetch = stubFetch({
        '/auth/login': () => [200, { accessToken: t.token, tokenType: 'Bearer', expiresAt: t.expiresAt, deviceToken: 'd1.pond-device' }],
        '/auth/me': () => [200, corrected],
      });
      // The body stays what an API of the release before accepts: the token travels in a header.
      const sent = () => {
        const init = (fetch.mock.calls.at(-2) as [string, { body: string; headers: Record<string, string> }])[1];
        return { body: JSON.parse(init.body) as Record<string, unknown>, device: init.headers['x-xueliang-device'] };
      };
      await Api.login('Pond', 'secret');
      expect(sent()).toEqual({ body: { username: 'Pond', password: 'secret' }, device: undefined });
      await Api.login('pond', 'secret');
      expect(sent()).toEqual({ body: { username: 'pond', password: 'secret' }, device: 'd1.pond-device' });
      await Api.login('county', 'secret');
      expect(sent()).toEqual({ body: { username: 'county', password: 'secret' }, device: undefined });
    } finally {
      delete (globalThis as Record<string, unknown>).localStorage;
    }
  });
});

describe('the user a renewal keeps', () => {
  const first = token(serverNow, 8 * HOUR, 'first');
  const second = token(serverNow + 6 * HOUR, 8 * HOUR, 'second');
  const refreshed: Answer = [200, { accessToken: second.token, tokenType: 'Bearer', expiresAt: second.expiresAt, user: { id: 'u1', username: 'pond', role: 'school' } }];

  async function renewOnce(me: (init: Init) => Answer): Promise<jest.Mock> {
    jest.useFakeTimers({ now: serverNow });
    stubFetch({ '/auth/refresh': () => refreshed, '/auth/me': me });
    storage.setItem('xl.console.tokenReceived', JSON.stringify({ signature: 'first', at: serverNow }));
    const renewed = jest.fn();
    render(() => useSessionRenewal({ user: signedInAs, ...first }, renewed, () => undefined));
    flushEffects();
    await jest.advanceTimersByTimeAsync(6 * HOUR + 11_000); // the renewal, and GET /auth/me's 10 s at most
    return renewed;
  }

  it("takes the role and scope the API has now, not the sign-in's (an admin changed them meanwhile)", async () => {
    const renewed = await renewOnce((init) => (init.headers?.authorization === `Bearer ${second.token}` ? [200, corrected] : [401, { message: 'expired' }]));
    expect(renewed).toHaveBeenCalledTimes(1);
    // Before 2026-12-03: the sign-in's viewer, for up to 30 days.
    expect(renewed).toHaveBeenCalledWith({ user: corrected, ...second });
  });

  it('keeps the old user, and the new token, when GET /auth/me fails', async () => {
    const renewed = await renewOnce(() => [503, { message: 'Service Unavailable' }]);
    expect(renewed).toHaveBeenCalledWith({ user: signedInAs, ...second });
  });

  it('keeps the old user, and the new token, when GET /auth/me does not answer', async () => {
    const renewed = await renewOnce(() => 'hang');
    expect(renewed).toHaveBeenCalledWith({ user: signedInAs, ...second });
  });
});

describe('the user a password change keeps', () => {
  it("takes the role and scope the API has now (as PasswordChange does with the change's answer)", async () => {
    const first = token(serverNow, 8 * HOUR, 'first');
    const changed = token(serverNow + HOUR, 8 * HOUR, 'changed');
    stubFetch({
      '/auth/password': () => [200, { accessToken: changed.token, tokenType: 'Bearer', expiresAt: changed.expiresAt }],
      '/auth/me': (init) => (init.headers?.authorization === `Bearer ${changed.token}` ? [200, corrected] : [401, { message: 'ended' }]),
    });
    const answer = await new Api(first.token, () => undefined).changePassword('old-secret', 'new-secret');
    const session = { user: signedInAs, ...first };
    expect(await withCurrentUser({ ...session, ...answer })).toEqual({ user: corrected, ...changed });
  });
});

describe("Api: the server's clock", () => {
  it("is read from the answers' Date header: a PC 3 min fast still says the server's time", async () => {
    jest.useFakeTimers({ now: serverNow + 3 * 60_000 });
    stubFetch({ '/alerts/x': () => [200, { id: 'x' }, { date: serverNow }] });
    const api = new Api('t', () => undefined);
    await api.alert('x');
    expect(Math.abs(api.serverNow() - serverNow)).toBeLessThanOrEqual(1000); // the header counts whole seconds
    await jest.advanceTimersByTimeAsync(60_000);
    expect(Math.abs(api.serverNow() - (serverNow + 60_000))).toBeLessThanOrEqual(1000);
  });
});

describe('Api.request: a read that hangs', () => {
  it('fails after 10 s, so that its caller (the school warning, the feed) tries again', async () => {
    jest.useFakeTimers({ now: serverNow });
    let answered = 0;
    stubFetch({ '/alerts/x': () => (answered++ === 0 ? 'hang' : [200, { id: 'x' }]) });
    const api = new Api('t', () => undefined);
    const outcome = api.alert('x').then(
      () => 'answered',
      (err: Error) => `${err instanceof ApiError ? 'ApiError' : 'other'}: ${err.message}`,
    );
    let settled: string | null = null;
    void outcome.then((o) => (settled = o));
    await jest.advanceTimersByTimeAsync(9_000);
    expect(settled).toBeNull();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(settled).toBe('ApiError: no answer within 10 s'); // before 2026-12-03: still waiting, for good
    expect(await api.alert('x')).toEqual({ id: 'x' }); // the next try is answered
  });
});

describe('Api.image: a picture and when it was taken', () => {
  it("reads X-Picture-Taken-At, so that a picture served for 20 s does not pass for a live one", async () => {
    const fetch = jest.fn(async () => ({
      ok: true,
      status: 200,
      headers: new Map([['x-picture-taken-at', '1800000000000']]),
      blob: async () => new Blob([Uint8Array.from([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
    }));
    (globalThis as Record<string, unknown>).fetch = fetch;
    const api = new Api('t', () => undefined) as unknown as { image(path: string): Promise<{ url: string; takenAt: number | null }> };
    const shown = await api.image('/cameras/pond/frame');
    expect(shown.takenAt).toBe(1_800_000_000_000);
    expect(shown.url).toMatch(/^blob:/);
    URL.revokeObjectURL(shown.url);
    // An API of an earlier version says nothing: no time rather than a wrong one.
    fetch.mockImplementationOnce(async () => ({ ok: true, status: 200, headers: new Map(), blob: async () => new Blob([]) }));
    const older = await api.image('/cameras/pond/frame');
    expect(older.takenAt).toBeNull();
    URL.revokeObjectURL(older.url);
  });
});

describe('images that do not answer', () => {
  it('Api.image gives up after 20 s, and a refresh waits for the load before it instead of piling up', async () => {
    jest.useFakeTimers({ now: serverNow });
    const fetch = jest.fn(
      (_path: string, init: Init = {}) => new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new Error('The operation was aborted.')))),
    );
    (globalThis as Record<string, unknown>).fetch = fetch;
    const api = new Api('t', () => undefined) as unknown as { image(path: string): Promise<unknown> };
    const hung = api.image('/cameras/pond/frame').catch((err: unknown) => err);
    await jest.advanceTimersByTimeAsync(20_000);
    expect(await hung).toMatchObject({ status: 0, message: 'no answer within 20 s' }); // before: waited for ever

    const { useImage } = jest.requireActual('../../apps/console/src/use-image') as { useImage: (api: unknown, path: string | null, refreshMs?: number) => unknown };
    fetch.mockClear();
    render(() => useImage(api, '/cameras/pond/frame', 5000));
    flushEffects();
    await jest.advanceTimersByTimeAsync(15_000); // three refreshes while the first load still waits
    expect(fetch).toHaveBeenCalledTimes(1); // before: 4
    await jest.advanceTimersByTimeAsync(10_000); // it gives up at 20 s; the next refresh asks again
    expect(fetch).toHaveBeenCalledTimes(2);
  });
});

// The renewal timer (use-session-renewal.ts), run in node through hook-harness with jest's fake clock:
// a browser clock hours off the server's (a school PC without NTP) still renews an 8-h token after
// ~6 h — never at once in a loop, never after the token ran out — and a reload keeps the schedule.
import { RENEW_FLOOR_MS, RENEW_RETRY_MS, WAKE_CHECK_MS } from '../../apps/console/src/session-renewal';
import type { Principal } from '../../apps/console/src/types';
import { FakeStorage, flushEffects, installBrowserGlobals, issuedToken, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/api', () => ({
  Api: { refresh: jest.fn(), me: jest.fn() },
  ApiError: class ApiError extends Error {
    constructor(
      readonly status: number,
      message: string,
    ) {
      super(message);
    }
  },
}));

// use-session-renewal.ts and api.ts use the DOM's types, which the root typecheck (node) lacks: loaded
// untyped, with the session's shape (api.ts Session) restated here.
interface Session {
  token: string;
  user: Principal;
  expiresAt?: number;
}
const { useSessionRenewal } = jest.requireActual('../../apps/console/src/use-session-renewal') as {
  useSessionRenewal(session: Session, renewed: (next: Session) => void, ended: () => void): { unauthorized(): void } | undefined;
};
const { Api, ApiError } = jest.requireMock('../../apps/console/src/api') as {
  Api: { refresh: jest.Mock; me: jest.Mock };
  ApiError: new (status: number, message: string) => Error;
};

const HOUR = 3_600_000;
const serverNow = 1_800_000_000_000;
const token = issuedToken;

const user = { kind: 'user', id: 'u1', name: 'School', role: 'school', regionIds: [], cameraIds: [] } as Principal;
let storage: FakeStorage;
let restoreGlobals: () => void;

beforeEach(() => {
  storage = new FakeStorage();
  restoreGlobals = installBrowserGlobals(storage);
  Api.refresh.mockReset();
  Api.me.mockReset().mockResolvedValue(user); // the user as the API has it now (api-session.spec.ts: an admin's change)
});
afterEach(() => {
  unmount();
  restoreGlobals();
  jest.useRealTimers();
});

/** Signs in as Api.login does: the token's receipt is recorded when its answer arrives. */
function signIn(session: Session): Session {
  storage.setItem('xl.console.tokenReceived', JSON.stringify({ signature: session.token.slice(session.token.lastIndexOf('.') + 1), at: Date.now() }));
  return session;
}

/** Signs in (or reloads the tab) with `session`: the hook renders and its effect runs; what it returns. */
function mount(session: Session, renewed: (next: Session) => void = () => undefined, ended: () => void = () => undefined) {
  const renewal = render(() => useSessionRenewal(session, renewed, ended));
  flushEffects();
  return renewal;
}

describe('useSessionRenewal with the browser clock off the server', () => {
  it.each([
    ['8 h fast', 8 * HOUR],
    ['8 h slow', -8 * HOUR],
    ['3 h slow', -3 * HOUR],
    ['in step', 0],
  ])('renews an 8-h token ~6 h after receiving it, the browser clock %s', async (_, skew) => {
    jest.useFakeTimers({ now: serverNow + skew });
    Api.refresh.mockResolvedValue(token(serverNow + 6 * HOUR, 8 * HOUR, 'second'));
    mount(signIn({ user, ...token(serverNow, 8 * HOUR, 'first') }));
    await jest.advanceTimersByTimeAsync(6 * HOUR - 1000);
    expect(Api.refresh).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2000);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
  });

  it('keeps the schedule across a reload, and counts a renewed token from when its answer came', async () => {
    jest.useFakeTimers({ now: serverNow + 8 * HOUR });
    const first = token(serverNow, 8 * HOUR, 'first');
    const second = token(serverNow + 6 * HOUR, 8 * HOUR, 'second');
    Api.refresh.mockResolvedValue(second);
    const renewed = jest.fn();
    mount(signIn({ user, ...first }), renewed);
    await jest.advanceTimersByTimeAsync(2 * HOUR);
    unmount(); // the tab is reloaded two hours in; the session comes back from sessionStorage
    mount({ user, ...first }, renewed);
    await jest.advanceTimersByTimeAsync(4 * HOUR - 1000);
    expect(Api.refresh).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2000);
    expect(renewed).toHaveBeenCalledWith({ user, ...second });

    // The console renders with the renewed session: its renewal is due 6 h after that answer.
    mount(renewed.mock.calls[0][0] as Session, renewed);
    await jest.advanceTimersByTimeAsync(6 * HOUR - 2000);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(2000);
    expect(Api.refresh).toHaveBeenCalledTimes(2);
    expect(Api.refresh).toHaveBeenLastCalledWith(second.token);
  });

  it('renews a token this tab never recorded (kept from before receipts were) after RENEW_FLOOR_MS: it may be about to expire', async () => {
    jest.useFakeTimers({ now: serverNow });
    Api.refresh.mockResolvedValue(token(serverNow, 8 * HOUR, 'fresh'));
    mount({ user, ...token(serverNow - 7.9 * HOUR, 8 * HOUR, 'unrecorded') });
    await jest.advanceTimersByTimeAsync(RENEW_FLOOR_MS - 1);
    expect(Api.refresh).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
  });

  it('renews a token received longer ago than its lifetime after RENEW_FLOOR_MS, not at once', async () => {
    jest.useFakeTimers({ now: serverNow });
    const stale = token(serverNow - 9 * HOUR, 8 * HOUR, 'stale');
    storage.setItem('xl.console.tokenReceived', JSON.stringify({ signature: 'stale', at: serverNow - 9 * HOUR }));
    Api.refresh.mockRejectedValue(new ApiError(503, 'HTTP 503'));
    mount({ user, ...stale });
    await jest.advanceTimersByTimeAsync(RENEW_FLOOR_MS - 1);
    expect(Api.refresh).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(RENEW_RETRY_MS);
    expect(Api.refresh).toHaveBeenCalledTimes(2); // the retry's pace, not a loop
  });
});

// Hardening note 7 (docs/reviews/2026-12-03-console.md): a PC asleep past its token's end woke signed
// out. The API now renews an expired token while its session lasts; the console must ask it on waking
// — its timers may not have counted the sleep — and on a 401, and sign out only when that is refused.
describe('useSessionRenewal after the PC slept past its token', () => {
  /** The PC sleeps `ms`: the wall clock jumps, the timers (which need not count a sleep) do not move. */
  const sleep = (ms: number) => jest.setSystemTime(Date.now() + ms);

  it('renews on waking, the token expired, though the renewal timer has not fired', async () => {
    jest.useFakeTimers({ now: serverNow });
    const renewed = jest.fn();
    const ended = jest.fn();
    const next = token(serverNow + 10 * HOUR, 8 * HOUR, 'woken');
    Api.refresh.mockResolvedValue(next);
    const first = token(serverNow, 8 * HOUR, 'first');
    mount(signIn({ user, ...first }), renewed, ended);
    await jest.advanceTimersByTimeAsync(1 * HOUR);
    sleep(9 * HOUR); // asleep from 1 h to 10 h: the 8-h token ran out at 8 h
    await jest.advanceTimersByTimeAsync(WAKE_CHECK_MS);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    expect(Api.refresh).toHaveBeenCalledWith(first.token);
    expect(renewed).toHaveBeenCalledWith({ user, ...next });
    expect(ended).not.toHaveBeenCalled();
  });

  it('signs out on waking when the renewal is refused (session over, user disabled)', async () => {
    jest.useFakeTimers({ now: serverNow });
    const renewed = jest.fn();
    const ended = jest.fn();
    Api.refresh.mockRejectedValue(new ApiError(401, 'access token not valid'));
    mount(signIn({ user, ...token(serverNow, 8 * HOUR, 'first') }), renewed, ended);
    sleep(12 * HOUR);
    await jest.advanceTimersByTimeAsync(WAKE_CHECK_MS);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(renewed).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(8 * HOUR);
    expect(Api.refresh).toHaveBeenCalledTimes(1); // ended: nothing more is tried
  });

  it('keeps trying, signed in, when the network is not back yet on waking', async () => {
    jest.useFakeTimers({ now: serverNow });
    const renewed = jest.fn();
    const ended = jest.fn();
    const next = token(serverNow + 10 * HOUR, 8 * HOUR, 'woken');
    Api.refresh.mockRejectedValueOnce(new TypeError('Failed to fetch')).mockResolvedValue(next);
    mount(signIn({ user, ...token(serverNow, 8 * HOUR, 'first') }), renewed, ended);
    sleep(10 * HOUR);
    await jest.advanceTimersByTimeAsync(WAKE_CHECK_MS);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(RENEW_RETRY_MS);
    expect(Api.refresh).toHaveBeenCalledTimes(2);
    expect(renewed).toHaveBeenCalledWith({ user, ...next });
    expect(ended).not.toHaveBeenCalled();
  });

  it('does not renew early when no sleep has made the renewal overdue', async () => {
    jest.useFakeTimers({ now: serverNow });
    Api.refresh.mockResolvedValue(token(serverNow + 6 * HOUR, 8 * HOUR, 'second'));
    mount(signIn({ user, ...token(serverNow, 8 * HOUR, 'first') }));
    sleep(5 * HOUR); // asleep, but woken before the renewal was due
    await jest.advanceTimersByTimeAsync(WAKE_CHECK_MS);
    expect(Api.refresh).not.toHaveBeenCalled();
  });

  it('answers a 401 with a renewal, not a sign-out, and one renewal for a burst of them', async () => {
    jest.useFakeTimers({ now: serverNow });
    const renewed = jest.fn();
    const ended = jest.fn();
    const next = token(serverNow + 9 * HOUR, 8 * HOUR, 'second');
    let answer: (value: typeof next) => void = () => undefined;
    Api.refresh.mockImplementation(() => new Promise((resolve) => (answer = resolve)));
    const renewal = mount(signIn({ user, ...token(serverNow, 8 * HOUR, 'first') }), renewed, ended);
    jest.setSystemTime(serverNow + 9 * HOUR); // the screen's polls, answered 401 with the expired token
    renewal!.unauthorized();
    renewal!.unauthorized();
    renewal!.unauthorized();
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    answer(next);
    await jest.advanceTimersByTimeAsync(0);
    expect(renewed).toHaveBeenCalledWith({ user, ...next });
    expect(ended).not.toHaveBeenCalled();
  });

  it('signs out on a 401 when the renewal is refused too', async () => {
    jest.useFakeTimers({ now: serverNow });
    const renewed = jest.fn();
    const ended = jest.fn();
    Api.refresh.mockRejectedValue(new ApiError(401, 'session ended (SESSION_MAX_SECONDS); sign in again'));
    const renewal = mount(signIn({ user, ...token(serverNow, 8 * HOUR, 'first') }), renewed, ended);
    renewal!.unauthorized();
    await jest.advanceTimersByTimeAsync(0);
    expect(Api.refresh).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledTimes(1);
    expect(renewed).not.toHaveBeenCalled();
  });
});

// feed-api.ts against a stand-in `fetch`: a request about one alert that answers 404 (deleted, or out
// of the user's scope now) drops the copy the feed held when it was asked, so an operator's map does
// not keep an alert that left their scope with its last state until a resync.
import type { Alert } from '../../apps/console/src/types';

// feed-api.ts builds on api.ts, which uses the DOM's types that the root typecheck (node) lacks:
// loaded untyped, with the shapes used here restated.
interface GoneFeed {
  alerts: Map<string, Alert>;
  drop(gone: Alert[]): void;
}
interface FeedApiInstance {
  alert(id: string): Promise<unknown>;
  transition(id: string, action: string, body: Record<string, unknown>): Promise<unknown>;
  bulk(action: string, body: { ids: string[] }): Promise<unknown>;
  camera(id: string): Promise<unknown>;
  request(method: string, path: string, body?: unknown, limitMs?: number | null, headers?: Record<string, string>): Promise<unknown>;
}
const { FeedApi, alertAskedAbout } = jest.requireActual('../../apps/console/src/feed-api') as {
  FeedApi: new (token: string, onUnauthorized: () => void, feed: () => GoneFeed | null) => FeedApiInstance;
  alertAskedAbout(path: string): string | null;
};

const alert = (id: string, over: Partial<Alert> = {}): Alert => ({ id, cameraId: 'cam', state: 'open', updatedAt: 1, ...over }) as Alert;

/** fetch answering each path (without its query) with [status, JSON body]. */
function stubFetch(answer: (path: string) => [number, unknown]): void {
  (globalThis as Record<string, unknown>).fetch = jest.fn(async (path: string) => {
    const [status, body] = answer(path.split('?')[0]);
    return { ok: status >= 200 && status < 300, status, headers: new Map(), json: async () => body };
  });
}

const savedFetch = (globalThis as Record<string, unknown>).fetch;
afterEach(() => {
  (globalThis as Record<string, unknown>).fetch = savedFetch;
});

function feedHolding(...alerts: Alert[]): GoneFeed & { drop: jest.Mock } {
  return { alerts: new Map(alerts.map((a) => [a.id, a])), drop: jest.fn() };
}

describe('FeedApi: a 404 for an alert the feed holds', () => {
  it('drops the copy held when asked, for the detail and for each step on the alert', async () => {
    const held = alert('x');
    const feed = feedHolding(held);
    stubFetch(() => [404, { statusCode: 404, message: "alert 'x' not found" }]);
    const api = new FeedApi('tok', () => undefined, () => feed);
    await expect(api.transition('x', 'acknowledge', {})).rejects.toMatchObject({ status: 404 });
    expect(feed.drop).toHaveBeenCalledWith([held]); // before 2026-12-03: kept, open, until a resync
    await expect(api.alert('x')).rejects.toMatchObject({ status: 404 });
    await expect(api.transition('x', 'seen', {})).rejects.toMatchObject({ status: 404 });
    expect(feed.drop).toHaveBeenCalledTimes(3);
  });

  it('keeps it for other answers, for requests about no one alert, and for alerts the feed does not hold', async () => {
    const feed = feedHolding(alert('x'), alert('bulk'));
    const api = new FeedApi('tok', () => undefined, () => feed);
    stubFetch(() => [409, { message: 'already acknowledged' }]);
    await expect(api.transition('x', 'acknowledge', {})).rejects.toMatchObject({ status: 409 });
    stubFetch(() => [404, { message: 'not found' }]);
    await expect(api.bulk('acknowledge', { ids: ['x'] })).rejects.toMatchObject({ status: 404 });
    await expect(api.camera('x')).rejects.toMatchObject({ status: 404 });
    await expect(api.alert('y')).rejects.toMatchObject({ status: 404 });
    expect(feed.drop).not.toHaveBeenCalled();
    const none = new FeedApi('tok', () => undefined, () => null); // before the feed's first render
    await expect(none.alert('x')).rejects.toMatchObject({ status: 404 });
  });

  it("keeps it for a 404 that is not the API's own (a proxy's page during a deploy)", async () => {
    const feed = feedHolding(alert('x'));
    const api = new FeedApi('tok', () => undefined, () => feed);
    (globalThis as Record<string, unknown>).fetch = jest.fn(async () => ({ ok: false, status: 404, headers: new Map(), json: async () => Promise.reject(new SyntaxError('<html>')) }));
    await expect(api.alert('x')).rejects.toMatchObject({ status: 404, foreign: true });
    stubFetch(() => [404, { message: 'no route' }]); // JSON, but not Nest's error answer
    await expect(api.transition('x', 'seen', {})).rejects.toMatchObject({ status: 404, foreign: true });
    expect(feed.drop).not.toHaveBeenCalled();
  });

  it('names the alert of its detail and steps only', () => {
    expect(alertAskedAbout('/alerts/a%2Fb')).toBe('a/b');
    expect(alertAskedAbout('/alerts/x/resolve')).toBe('x');
    expect(alertAskedAbout('/alerts/x/notes')).toBe('x');
    expect(alertAskedAbout('/alerts/x/evidence')).toBeNull(); // 404 there may be an API without clips
    expect(alertAskedAbout('/alerts/bulk/resolve')).toBeNull();
    expect(alertAskedAbout('/alerts?state=open')).toBeNull();
    expect(alertAskedAbout('/cameras/x')).toBeNull();
  });
});

describe('FeedApi: what a request carries', () => {
  it('passes its headers on (the If-Match of an edit: without it a save on an older copy undid a colleague\'s)', async () => {
    const sent: unknown[] = [];
    (globalThis as Record<string, unknown>).fetch = jest.fn(async (_path: string, init: { headers: Record<string, string> }) => {
      sent.push(init.headers['if-match'] ?? init.headers['If-Match']);
      return { ok: true, status: 200, headers: new Map(), json: async () => ({}) };
    });
    const api = new FeedApi('tok', () => undefined, () => null);
    await api.request('PATCH', '/webhooks/w1', { name: 'siren' }, null, { 'if-match': '"1764755000000"' });
    expect(sent).toEqual(['"1764755000000"']); // before 2026-12-03: [undefined]
  });
});

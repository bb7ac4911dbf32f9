// The alert detail (screens/alert-detail.tsx) when the API refuses a transition with 409: an
// acknowledgement of a copy that a drowning has raised again since, or a step someone else took first.
// The screen reads the alert again (the drowning, not the entry into the water it showed), and says
// why in the reader's language — as the school screen does for its "seen".
import { type MessageKey, translate, translateValue } from '../../apps/console/src/i18n';
import { unmount } from './hook-harness';
import { elements, loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
jest.mock('../../apps/console/src/use-image', () => ({ useImage: () => ({ url: null, error: null, reason: null, loadedAt: null, takenAt: null }) }));
jest.mock('../../apps/console/src/evidence-poll', () => ({ useEvidence: () => null }));
jest.mock('../../apps/console/src/screens/nearby-cameras', () => ({ NearbyCameras: () => null }));
jest.mock('../../apps/console/src/screens/site-card', () => ({ SiteCard: () => null }));
jest.mock('../../apps/console/src/screens/snapshot-trail', () => ({ SnapshotTrail: () => null }));
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { AlertDetailScreen } = loadTsx(`${SRC}/screens/alert-detail`, require) as { AlertDetailScreen: (p: { id: string }) => unknown };
// api.ts uses the DOM's types, which the root typecheck (node) lacks: loaded untyped.
const { ApiError } = jest.requireActual('../../apps/console/src/api') as { ApiError: new (status: number, message: string, reason?: string | null, foreign?: boolean) => Error };

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('zh-CN', key, params);
const RAISED_AGAIN = "alert 'a1' was raised again (vanish_in_water, critical) after the copy you acknowledged; look at it again before acknowledging";
const TAKEN = "cannot acknowledge an alert that is acknowledged";
const base = {
  id: 'a1', cameraId: 'pond-3', cameraName: '青山塘', regionId: null, ruleId: 'r', rule: 'zone_enter', severity: 'major', zoneId: 'pond', zoneName: null,
  state: 'open', startedAt: 1000, capturedAt: 1000, score: 0.9, boxes: [], message: 'person entered water zone', escalationLevel: 0, responsibleRegionId: null,
  assignee: null, outcome: null, acknowledgedBy: null, acknowledgedAt: null, resolvedAt: null, updatedAt: 1000, alarmedAt: null, hasSnapshot: false, snapshotUrl: null,
  transitions: [], snapshots: [], site: null,
};

/** alerts-api as the detail uses it: the acknowledgement refused as alerts.service.ts refuses it. */
class FakeApi {
  stored: Record<string, unknown> = { ...base };
  reads = 0;
  readonly upserted: unknown[] = [];
  async alert() {
    this.reads++;
    return structuredClone(this.stored);
  }
  async regions() {
    return { items: [] };
  }
  async transition(_id: string, action: string, body: Record<string, unknown>) {
    if (action === 'acknowledge' && this.stored.state !== 'open') throw new ApiError(409, TAKEN);
    const alarmedAt = (this.stored.alarmedAt as number | null) ?? 0;
    if (alarmedAt > ((body.seenAlarmedAt as number | null) ?? 0)) throw new ApiError(409, RAISED_AGAIN, 'raised_again');
    this.stored = { ...this.stored, state: 'acknowledged', updatedAt: (this.stored.updatedAt as number) + 1 };
    return structuredClone(this.stored);
  }
}

let api: FakeApi;
let tree: (El | string)[] = [];
async function step(): Promise<void> {
  tree = await renderSettled(() => AlertDetailScreen({ id: 'a1' }));
}
async function acknowledge(): Promise<void> {
  const form = elements<El>(tree, (e) => e.type === 'form' && findAll([e], 'acknowledge').length > 0)[0];
  if (!form) throw new Error('no acknowledge form on screen');
  (globalThis as Record<string, unknown>).FormData = class {
    *[Symbol.iterator]() {}
  };
  (form.props.onSubmit as (e: unknown) => void)({ preventDefault() {}, target: { reset() {} } });
  await step();
}
const errorShown = () => text(findAll(tree, 'detail-error')[0]);
const state = () => findAll(tree, 'alert-detail')[0]?.props['data-state'];

beforeEach(async () => {
  api = new FakeApi();
  // The feed holds the alert as first loaded: the raise's push has not come (a resync gap, a slow socket).
  useApp.mockReturnValue({
    api, t, tv: (prefix: string, value: string) => translateValue('zh-CN', prefix, value), navigate() {}, lang: 'zh-CN',
    user: { id: 'u', role: 'operator', name: 'op' },
    feed: { alerts: new Map([['a1', base]]), upsert: (a: unknown) => api.upserted.push(a) },
  });
  await step();
});
afterEach(() => unmount());

it('reads the alert again after a 409 "raised again", shows the drowning and says so in the reader\'s language', async () => {
  // A vanish raised the entry into the water to a drowning after this screen read it.
  api.stored = { ...base, rule: 'vanish_in_water', severity: 'critical', alarmedAt: 5000, updatedAt: 5000 };
  await acknowledge();
  expect(api.reads).toBe(2); // before: 1 — the entry into the water stayed on screen until a push came
  expect(text(findAll(tree, 'detail-text')[0])).not.toContain('有人进入区域');
  expect(errorShown()).toContain(t('detail.raisedAgain')); // before: the API's English sentence
  expect(errorShown()).not.toMatch(/raised again/);
  expect(api.upserted).toEqual([expect.objectContaining({ alarmedAt: 5000 })]); // the feed's list shows it too
  // Pressed again, on the copy now on screen: it counts.
  await acknowledge();
  expect(state()).toBe('acknowledged');
  expect(findAll(tree, 'detail-error')).toEqual([]);
});

it('reads the alert again after another 409 (someone else acknowledged it first), and shows the API\'s message', async () => {
  api.stored = { ...base, state: 'acknowledged', acknowledgedBy: 'other', updatedAt: 2000 };
  await acknowledge();
  expect(api.reads).toBe(2);
  expect(state()).toBe('acknowledged'); // before: still "open", with its Acknowledge button
  expect(errorShown()).toContain(TAKEN);
});

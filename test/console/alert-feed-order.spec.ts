// The operators' alert list (screens/alert-feed.tsx), run in node through hook-harness as
// school-alarm.spec.ts runs its screen: in a storm the unanswered critical alerts are on top.
import path from 'node:path';
import { operatorsOrder } from '../../apps/console/src/feed-state';
import type { Alert } from '../../apps/console/src/types';
import { flushEffects, render, unmount } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';
import { expand, type El } from './render-tree';

// hook-harness has no useMemo: computed on each render here.
jest.mock('preact/hooks', () => ({ ...jest.requireActual('./hook-harness').hooks, useMemo: (f: () => unknown) => f() }));
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
jest.mock('../../apps/console/src/screens/bulk-actions', () => ({ BulkActions: () => null }));

const COMPILED = [path.join(SRC, 'screens/alert-feed')];
const requireCompiled = (target: string): unknown =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest's require, so that the mocks above apply
  COMPILED.includes(target) ? loadTsx(target, requireCompiled) : require(target);
const { AlertFeedScreen } = loadTsx(COMPILED[0], requireCompiled) as { AlertFeedScreen: () => unknown };
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };

const now = 1_800_000_000_000;
const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({ id, cameraId: 'cam', rule: 'camera_offline', severity: 'major', state: 'open', startedAt: now, updatedAt: now, escalationLevel: 0, responsibleRegionId: 'v', message: 'm', boxes: [], ...over }) as Alert;
const drowning = (id: string, over: Partial<Alert> = {}) => alert(id, { rule: 'vanish_in_water', severity: 'critical', startedAt: now - 120_000, alarmedAt: now - 120_000, ...over });
const rows = (nodes: (El | string)[]): El[] =>
  nodes.flatMap((n) => (typeof n === 'string' ? [] : [...(n.props['data-testid'] === 'alert-row' ? [n] : []), ...rows(n.children)]));
const byTestId = (nodes: (El | string)[], id: string): El[] =>
  nodes.flatMap((n) => (typeof n === 'string' ? [] : [...(n.props['data-testid'] === id ? [n] : []), ...byTestId(n.children, id)]));

/** The screen's tree for an operator whose feed holds `alerts`. */
function screen(alerts: Map<string, Alert>) {
  const api = { regions: async () => ({ items: [] }), cameras: async () => ({ items: [] }) };
  const t = (k: string, p?: Record<string, unknown>) => (p ? `${k} ${JSON.stringify(p)}` : k);
  useApp.mockReturnValue({ api, t, tv: (_: string, v: string) => v, lang: 'en', navigate: () => undefined, user: { role: 'operator' }, feed: { alerts, connected: true, load: async () => undefined } });
  const tree = expand(render(() => AlertFeedScreen()));
  flushEffects();
  return tree;
}

afterEach(() => unmount());

describe("the operators' alert list", () => {
  it('shows an unanswered drowning above 300 newer camera_offline alerts, and says that one waits', () => {
    const alerts = new Map<string, Alert>();
    alerts.set('drown', drowning('drown'));
    for (let i = 0; i < 300; i++) alerts.set(`off${i}`, alert(`off${i}`, { cameraId: `c${i}`, startedAt: now - 60_000 + i }));
    const tree = screen(alerts);
    expect(rows(tree)[0].props['data-alert-id']).toBe('drown'); // before 2026-12-03: 'off299' — the drowning was row 301 of 301
    expect(rows(tree)[0].props['data-pinned']).toBe(true);
    expect(rows(tree)[1].props['data-alert-id']).toBe('off299'); // the rest newest first
    expect(byTestId(tree, 'critical-open').map((n) => n.children.join(''))).toEqual(['feed.criticalOpen {"count":1}']);
  });

  it('pins only critical alerts nobody has acknowledged', () => {
    const alerts = new Map<string, Alert>();
    alerts.set('claimed', drowning('claimed', { state: 'acknowledged', startedAt: now - 300_000 }));
    alerts.set('closed', drowning('closed', { state: 'resolved', startedAt: now - 200_000 }));
    alerts.set('newer', alert('newer', { startedAt: now - 1000 }));
    const tree = screen(alerts);
    expect(rows(tree).map((r) => r.props['data-alert-id'])).toEqual(['newer', 'closed', 'claimed']);
    expect(byTestId(tree, 'critical-open')).toEqual([]);
  });
});

describe('operatorsOrder', () => {
  it('puts open critical alerts first, each part newest first', () => {
    const list = [alert('m1', { startedAt: now - 3 }), drowning('d1', { startedAt: now - 5 }), alert('m2', { startedAt: now - 1 }), drowning('d2', { startedAt: now - 4 }), drowning('ack', { state: 'acknowledged', startedAt: now - 2 })];
    expect(operatorsOrder(list).map((a) => a.id)).toEqual(['d2', 'd1', 'm2', 'ack', 'm1']);
  });
});

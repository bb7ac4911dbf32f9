// The operators' list (screens/alert-feed.tsx) at a push during a storm: only the rows whose alert
// changed are made again — preact skips a row given the very element it rendered last time — and a
// reused row still acts on the list as it is now (the selection, the route).
import path from 'node:path';
import type { Alert } from '../../apps/console/src/types';
import { flushEffects, render, unmount } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';
import { expand, findAll, type El } from './render-tree';

// hook-harness has no useMemo: computed on each render here.
jest.mock('preact/hooks', () => ({ ...jest.requireActual('./hook-harness').hooks, useMemo: (f: () => unknown) => f() }));
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
jest.mock('../../apps/console/src/screens/bulk-actions', () => ({ BulkActions: jest.fn(() => null) }));

const COMPILED = [path.join(SRC, 'screens/alert-feed')];
const requireCompiled = (target: string): unknown =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest's require, so that the mocks above apply
  COMPILED.includes(target) ? loadTsx(target, requireCompiled) : require(target);
const { AlertFeedScreen } = loadTsx(COMPILED[0], requireCompiled) as { AlertFeedScreen: () => unknown };
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { BulkActions } = jest.requireMock('../../apps/console/src/screens/bulk-actions') as { BulkActions: jest.Mock };

const now = 1_800_000_000_000;
const alert = (id: string, over: Partial<Alert> = {}): Alert =>
  ({ id, cameraId: `cam-${id}`, rule: 'camera_offline', severity: 'major', state: 'open', startedAt: now - Number(id.slice(1)) * 1000, updatedAt: now, escalationLevel: 0, responsibleRegionId: 'v', message: 'm', boxes: [], ...over }) as Alert;

interface VNode {
  type: unknown;
  props: { children?: unknown; [name: string]: unknown };
}
/** The row elements the screen gave its table body, as made (not rendered). */
function rowElements(v: unknown): VNode[] {
  if (Array.isArray(v)) return v.flatMap(rowElements);
  if (v === null || typeof v !== 'object') return [];
  const node = v as VNode;
  if (node.type === 'tbody') return ([] as unknown[]).concat(node.props.children).filter((c): c is VNode => c !== null && typeof c === 'object');
  return rowElements(node.props.children);
}

const navigated: string[] = [];
let feed: { alerts: Map<string, Alert>; connected: boolean; load: () => Promise<void> };
let lang = 'en';
/** One render of the screen, as preact makes it at a push: the elements, and the tree they render to. */
function screen(): { rows: VNode[]; tree: (El | string)[] } {
  const made = render(() => AlertFeedScreen());
  flushEffects();
  return { rows: rowElements(made), tree: expand(made) };
}

beforeEach(() => {
  navigated.length = 0;
  lang = 'en';
  feed = { alerts: new Map(), connected: true, load: async () => undefined };
  for (let i = 0; i < 300; i++) feed.alerts.set(`a${i}`, alert(`a${i}`));
  // The app makes its t, tv and navigate anew at each render: a reused row must not depend on which.
  useApp.mockImplementation(() => ({
    api: { regions: async () => ({ items: [] }), cameras: async () => ({ items: [] }) },
    t: (k: string) => `${lang}:${k}`,
    tv: (_: string, v: string) => `${lang}:${v}`,
    lang,
    navigate: (to: string) => navigated.push(to),
    user: { role: 'operator' },
    feed,
  }));
  BulkActions.mockClear();
});
afterEach(() => unmount());

describe("the operators' list at a push", () => {
  it('makes again only the row of the alert that changed, and every row when the language changes', () => {
    const first = screen().rows;
    expect(first).toHaveLength(300);
    feed.alerts = new Map(feed.alerts).set('a7', alert('a7', { state: 'acknowledged', updatedAt: now + 1 }));
    const second = screen().rows;
    const remade = second.filter((row, i) => row !== first[i]);
    expect(remade.length).toBe(1); // before: all 300 made again
    expect(remade[0].props.alert).toBe(feed.alerts.get('a7'));
    lang = 'zh-CN';
    const third = screen().rows;
    expect(third.filter((row, i) => row === second[i])).toEqual([]);
  });

  it('ticks, through a reused row, into the selection as it is now, and opens with the current navigation', () => {
    const rowOf = (tree: (El | string)[], id: string) => findAll(tree, 'alert-row').find((r) => r.props['data-alert-id'] === id)!;
    const tick = (tree: (El | string)[], id: string) => (findAll([rowOf(tree, id)], 'bulk-select')[0].props.onChange as (e: unknown) => void)({ target: { checked: true } });
    let { tree } = screen();
    tick(tree, 'a1');
    tree = screen().tree;
    tick(tree, 'a2'); // a2's row was made before a1 was ticked
    screen();
    expect(BulkActions.mock.calls.at(-1)![0].selected).toEqual(['a1', 'a2']);
    (rowOf(screen().tree, 'a3').props.onClick as () => void)();
    expect(navigated).toEqual(['alerts/a3']);
  });
});

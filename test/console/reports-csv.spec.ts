// Reports (screens/reports.tsx): Download CSV is "of the same alerts" as the report on screen — the
// query that report was asked with, not a period computed again at the click, nor inputs not yet shown.
import { type MessageKey, translate, translateValue } from '../../apps/console/src/i18n';
import { unmount } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { ReportsScreen } = loadTsx(`${SRC}/screens/reports`, require) as { ReportsScreen: () => unknown };

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('zh-CN', key, params);
interface Query {
  from: number;
  to: number;
  region?: string;
  timezone: string;
}
const reportOf = (q: Query) => ({
  from: q.from, to: q.to, regionId: q.region ?? null, timezone: q.timezone, generatedAt: q.to,
  totals: { alerts: 0, critical: 0, escalated: 0, falseAlarmRate: null, byState: {} },
  acknowledge: { waiting: 0, oldestWaitingMs: null, count: 0, p50Ms: null, p90Ms: null, maxMs: null },
  resolve: { count: 0, p50Ms: null, p90Ms: null, maxMs: null }, byRule: [], byRegion: [], byCamera: [], byHour: Array(24).fill(0),
  downtime: { outages: 0, offlineMs: 0, cameras: [] },
});

/** The API as the reports screen uses it; a report's answer can be held back (a long period's takes a while). */
class FakeApi {
  readonly reports: Query[] = [];
  readonly csvs: Query[] = [];
  held: Promise<void> | null = null;
  serverNow() {
    return Date.now();
  }
  async regions() {
    return { items: [] };
  }
  async report(q: Query) {
    this.reports.push(q);
    if (this.held) await this.held;
    return reportOf(q);
  }
  async reportCsv(q: Query) {
    this.csvs.push(q);
    return { blob: {}, filename: 'alerts.csv' };
  }
}

let api: FakeApi;
let now = 0;
let tree: (El | string)[] = [];
async function step(): Promise<void> {
  tree = await renderSettled(() => ReportsScreen());
}
const csvButton = () => findAll(tree, 'report-csv')[0];
async function download(): Promise<void> {
  (csvButton().props.onClick as () => void)();
  await step();
}
async function change(testId: string, value: string): Promise<void> {
  (findAll(tree, testId)[0].props.onChange as (e: unknown) => void)({ target: { value } });
  await step();
}
async function show(): Promise<void> {
  const form = tree.length ? findAll(tree, 'report')[0].children.find((c): c is El => typeof c !== 'string' && c.type === 'form') : undefined;
  (form!.props.onSubmit as (e: unknown) => void)({ preventDefault() {} });
  await step();
}

const saved = { document: (globalThis as Record<string, unknown>).document, createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
beforeEach(async () => {
  // The download's object URL is revoked 10 s later: not left pending after the tests.
  jest.useFakeTimers({ doNotFake: ['Date', 'setImmediate', 'nextTick', 'queueMicrotask'] });
  now = Date.UTC(2026, 11, 3, 1, 0); // 09:00 in Shanghai
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  (globalThis as Record<string, unknown>).document = { createElement: () => ({ click() {} }) };
  Object.assign(URL, { createObjectURL: () => 'blob:x', revokeObjectURL() {} });
  api = new FakeApi();
  useApp.mockReturnValue({ api, t, tv: (prefix: string, value: string) => translateValue('zh-CN', prefix, value), user: { id: 'u', role: 'operator' }, navigate() {}, lang: 'zh-CN' });
  await step(); // "today", shown at 09:00
});
afterEach(() => {
  unmount();
  jest.useRealTimers();
  jest.restoreAllMocks();
  (globalThis as Record<string, unknown>).document = saved.document;
  Object.assign(URL, { createObjectURL: saved.createObjectURL, revokeObjectURL: saved.revokeObjectURL });
});

it('downloads the CSV of the period the report on screen covers, not one computed again at the click', async () => {
  expect(api.reports).toHaveLength(1);
  now += 40 * 60_000; // the duty officer reads the figures, then presses Download CSV at 09:40
  await download();
  expect(api.csvs).toEqual([api.reports[0]]); // before: `to` was 09:40, the screen's 09:00
});

it('downloads the shown custom period, and offers the download only once edited dates are shown', async () => {
  await change('report-preset', 'custom');
  const shownPeriod = text(findAll(tree, 'report-period')[0]);
  const customShown = api.reports.at(-1)!;
  await change('report-to', '2026-12-02T18:00'); // edited, not shown yet
  expect(csvButton().props.disabled).toBe(true);
  await download(); // pressed anyway (a script, a stale render): the CSV of what is on screen
  expect(api.csvs).toEqual([customShown]); // before: the edited period, with the old one's figures on screen
  expect(text(findAll(tree, 'report-period')[0])).toBe(shownPeriod);
  await show();
  expect(csvButton().props.disabled).toBe(false);
  await download();
  expect(api.csvs.at(-1)).toEqual(api.reports.at(-1));
  expect(api.csvs.at(-1)!.to).toBe(new Date('2026-12-02T18:00').getTime());
});

it('offers no download while the next report is on its way: the one on screen is not what was asked', async () => {
  let release!: () => void;
  api.held = new Promise<void>((resolve) => (release = resolve));
  await change('report-preset', 'week');
  expect(csvButton().props.disabled).toBe(true);
  release();
  await step();
  expect(csvButton().props.disabled).toBe(false);
  await download();
  expect(api.csvs).toEqual([api.reports.at(-1)]);
  expect(api.csvs[0].from).toBe(now - 7 * 86_400_000);
});

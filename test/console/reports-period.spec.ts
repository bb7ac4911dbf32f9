// Reports (screens/reports.tsx): the presets' periods and the custom period's defaults are on the
// server's clock (api.serverNow()), not the PC's, and "today" starts at midnight in the display zone.
import { setDisplayTimeZone } from '../../apps/console/src/format';
import { type MessageKey, translate, translateValue } from '../../apps/console/src/i18n';
import { unmount } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { ReportsScreen } = loadTsx(`${SRC}/screens/reports`, require) as { ReportsScreen: () => unknown };

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('zh-CN', key, params);
const HOUR = 3_600_000;
const SERVER_NOW = Date.UTC(2026, 11, 3, 1, 0); // 09:00 on 3 December in Shanghai

let asked: { from: number; to: number; timezone: string }[];
let tree: (El | string)[];
async function step(): Promise<void> {
  tree = await renderSettled(() => ReportsScreen());
}
async function change(testId: string, value: string): Promise<void> {
  (findAll(tree, testId)[0].props.onChange as (e: unknown) => void)({ target: { value } });
  await step();
}

beforeEach(async () => {
  setDisplayTimeZone('Asia/Shanghai');
  // A PC whose CMOS battery is flat: its clock reads a day behind the server's.
  jest.spyOn(Date, 'now').mockReturnValue(SERVER_NOW - 24 * HOUR);
  asked = [];
  const api = {
    serverNow: () => SERVER_NOW,
    regions: async () => ({ items: [] }),
    report: async (q: { from: number; to: number; timezone: string }) => (asked.push(q), new Promise(() => undefined)),
  };
  useApp.mockReturnValue({ api, t, tv: (p: string, v: string) => translateValue('zh-CN', p, v), user: { id: 'u', role: 'operator' }, navigate() {}, lang: 'zh-CN' });
  await step();
});
afterEach(() => {
  unmount();
  jest.restoreAllMocks();
  setDisplayTimeZone(undefined);
});

it('asks "today" from midnight of the server\'s today in the display zone on a PC whose clock is a day behind', () => {
  // before: 2 Dec 00:00–09:00 (yesterday's morning shown as today)
  expect(asked[0]).toEqual({ from: Date.UTC(2026, 11, 2, 16, 0), to: SERVER_NOW, region: undefined, timezone: 'Asia/Shanghai' });
});

it('asks the last 7 days, and offers the custom period, ending at the server\'s now', async () => {
  await change('report-preset', 'week');
  expect(asked.at(-1)).toMatchObject({ from: SERVER_NOW - 7 * 24 * HOUR, to: SERVER_NOW }); // before: a day earlier
  await change('report-preset', 'custom');
  expect(findAll(tree, 'report-from')[0].props.value).toBe('2026-11-26T09:00');
  expect(findAll(tree, 'report-to')[0].props.value).toBe('2026-12-03T09:00'); // before: 2 December 09:00
});

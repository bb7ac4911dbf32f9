// Administration's webhooks tab (screens/admin.tsx): a save sends the version the admin's form was
// built on, another admin's save in between is not undone (the API's 409 reloads the rows), and a
// subscription no POST can go to says so in its row — both in the user's language, though the API
// words them in English (console review 2026-12-03, hardening note 3).
import { ApiError } from '../../apps/console/src/api';
import { type MessageKey, translate, translateValue } from '../../apps/console/src/i18n';
import { unmount } from './hook-harness';
import { elements, loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
/** The edit form as rendered last: its `save` is what its Save button calls. */
let editForm: { save(body: Record<string, unknown>): Promise<void>; row: Record<string, unknown> } | null = null;
jest.mock('../../apps/console/src/screens/admin-edit', () => ({
  EditRowForm: (props: NonNullable<typeof editForm>) => {
    editForm = props;
    return null;
  },
}));
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { AdminScreen } = loadTsx(`${SRC}/screens/admin`, require) as { AdminScreen: () => unknown };

/** The screen's language: the default, Chinese — the API's English must not show through. */
const LANG = 'zh-CN';
const t = (key: MessageKey, params?: Record<string, string | number>) => translate(LANG, key, params);
const UNSENDABLE = 'URL port 6000 is one fetch refuses to connect to (a "bad port", as 554, 5060 or 6000): give the receiver another port';

class FakeApi {
  readonly patches: { path: string; body: unknown; headers: Record<string, string> }[] = [];
  version = 1_764_000_000_000;
  /** The next PATCH's answer: saved, or another admin's save came first. */
  conflict = false;
  request(method: string, path: string, body?: unknown, _limitMs?: number | null, headers: Record<string, string> = {}): Promise<unknown> {
    if (method === 'GET') {
      const items =
        path === '/webhooks'
          ? [
              { id: 'wh-1', name: 'pond siren', url: 'https://siren.example/hook', enabled: true, unsendable: null, updatedAt: this.version },
              { id: 'wh-2', name: 'old PA gateway', url: 'http://10.20.0.9:6000/api/alarm', enabled: true, unsendable: { reason: UNSENDABLE }, updatedAt: 1_763_000_000_000 },
            ]
          : [];
      return Promise.resolve({ items });
    }
    this.patches.push({ path, body, headers });
    if (this.conflict) return Promise.reject(new ApiError(409, "webhook 'wh-1' changed meanwhile; reload and try again", 'webhook_changed'));
    this.version += 1000;
    return Promise.resolve({});
  }
}

let api: FakeApi;
let tree: (El | string)[] = [];
async function step(): Promise<void> {
  tree = await renderSettled(() => AdminScreen());
}
const row = (id: string) => elements<El>(tree, (e) => e.type === 'tr' && e.props['data-row-id'] === id)[0];
async function edit(id: string): Promise<void> {
  (findAll([row(id)], 'row-edit')[0].props.onClick as () => void)();
  await step();
}

beforeEach(async () => {
  api = new FakeApi();
  editForm = null;
  useApp.mockReturnValue({ api, t, tv: (prefix: string, value: string) => translateValue(LANG, prefix, value) });
  await step();
  (findAll(tree, 'admin-tab-webhooks')[0].props.onClick as () => void)();
  await step();
});
afterEach(() => unmount());

describe("a webhook's edit", () => {
  it('sends the version the form was loaded with as If-Match', async () => {
    await edit('wh-1');
    await editForm!.save({ name: 'pond siren 2' });
    await step();
    expect(api.patches).toEqual([{ path: '/webhooks/wh-1', body: { name: 'pond siren 2' }, headers: { 'if-match': '"1764000000000"' } }]); // before: no If-Match
    expect(text(findAll(tree, 'row-action-result')[0])).toBe(t('admin.saved', { id: 'pond siren' }));
  });

  it("closes the form and loads the rows again when another admin's save came first", async () => {
    await edit('wh-1');
    api.conflict = true;
    api.version = 1_764_000_005_000; // another admin's save
    await editForm!.save({ enabled: false });
    await step();
    expect(text(elements<El>(tree, (e) => e.props.class === 'error')[0])).toBe(t('common.error', { message: t('admin.webhookChanged') })); // before: the API's English
    editForm = null;
    await step();
    expect(editForm).toBeNull(); // the form of the older copy is gone (before: left open, to be refused again)
    // Edited again, the form is built on the reloaded row, and its save on that version.
    await edit('wh-1');
    expect(editForm!.row.updatedAt).toBe(1_764_000_005_000);
    api.conflict = false;
    await editForm!.save({ enabled: false });
    expect(api.patches.map((p) => p.headers['if-match'])).toEqual(['"1764000000000"', '"1764000005000"']);
  });
});

it('shows why a webhook will never be delivered, in its row: in the reader\'s language, the API\'s reason below', async () => {
  expect(findAll([row('wh-1')], 'row-problem')).toEqual([]);
  const shown = findAll([row('wh-2')], 'row-problem');
  // Before: only the API's English, 「错误：URL port 6000 is one fetch refuses…」.
  expect(shown.map(text)).toEqual([t('common.error', { message: t('admin.unsendable') }) + UNSENDABLE]);
  expect(findAll(shown, 'row-problem-detail').map(text)).toEqual([UNSENDABLE]);
});

it("says any other refusal of a save as the API words it (a reason the screen has no words for)", async () => {
  api.request = () => Promise.reject(new ApiError(400, 'url must be an http(s) URL', 'invalid_url'));
  await edit('wh-1');
  await editForm!.save({ url: 'ftp://x' });
  editForm = null;
  await step();
  expect(text(elements<El>(tree, (e) => e.props.class === 'error')[0])).toBe(t('common.error', { message: 'url must be an http(s) URL' }));
  expect(editForm).not.toBeNull(); // the form stays, to be corrected
});

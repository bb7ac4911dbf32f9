// Administration (screens/admin.tsx): the create forms and the rows' actions, run in node through
// hook-harness as the other screens' specs are. A user or API key is never created as an admin by
// default, and a double click creates one thing (one webhook, one secret shown) and sends one test.
import { type MessageKey, translate, translateValue } from '../../apps/console/src/i18n';
import { unmount } from './hook-harness';
import { elements, loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
// The edit form is not what these tests are about.
jest.mock('../../apps/console/src/screens/admin-edit', () => ({ EditRowForm: () => null }));
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { AdminScreen } = loadTsx(`${SRC}/screens/admin`, require) as { AdminScreen: () => unknown };

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);

/** The API as the admin screen uses it: lists answer at once, writes wait until released (a create hashes a password, checks a scope). */
class FakeApi {
  readonly calls: string[] = [];
  readonly bodies: unknown[] = [];
  private readonly waiting: (() => void)[] = [];
  request(method: string, path: string, body?: unknown): Promise<unknown> {
    this.calls.push(`${method} ${path}`);
    if (method === 'GET') return Promise.resolve({ items: path === '/webhooks' ? [{ id: 'wh-1', name: 'pond siren', url: 'https://siren.example/hook' }] : [] });
    this.bodies.push(body);
    const n = this.bodies.length;
    const answer = path.endsWith('/test') ? { outcome: 'delivered', statusCode: 200, durationMs: 12 } : { id: `x${n}`, secret: `whsec_${n}`, key: `k${n}` };
    return new Promise((resolve) => this.waiting.push(() => resolve(answer)));
  }
  /** Answers every write sent so far. */
  release(): void {
    for (const answer of this.waiting.splice(0)) answer();
  }
  writes(): string[] {
    return this.calls.filter((c) => !c.startsWith('GET'));
  }
}

let api: FakeApi;
let tree: (El | string)[] = [];
async function step(): Promise<void> {
  tree = await renderSettled(() => AdminScreen());
}
async function openTab(name: string): Promise<void> {
  (findAll(tree, `admin-tab-${name}`)[0].props.onClick as () => void)();
  await step();
}
const createForm = () => elements<El>(tree, (e) => e.type === 'form' && e.props.class === 'create')[0];
const roleSelect = () => elements<El>([createForm()], (e) => e.type === 'select' && e.props.name === 'role')[0];
const submitButton = () => elements<El>([createForm()], (e) => e.type === 'button' && e.props.type === 'submit')[0];
const errorShown = () => text(elements<El>(tree, (e) => e.props.class === 'error')[0]);

/** The form's values, as the browser's FormData would read them. */
function fill(values: Record<string, string>): void {
  (globalThis as Record<string, unknown>).FormData = class {
    get(name: string) {
      return values[name] ?? null;
    }
  };
}
function submit(): void {
  void (createForm().props.onSubmit as (e: unknown) => Promise<void>)({ preventDefault() {}, target: { reset() {} } });
}

beforeEach(async () => {
  api = new FakeApi();
  useApp.mockReturnValue({ api, t, tv: (prefix: string, value: string) => translateValue('en', prefix, value) });
  await step();
});
afterEach(() => unmount());

describe('the role of a new user or API key', () => {
  for (const tab of ['users', 'api-keys']) {
    it(`is chosen, not defaulted to admin (${tab})`, async () => {
      if (tab !== 'users') await openTab(tab);
      const role = roleSelect();
      const options = elements<El>([role], (e) => e.type === 'option');
      // Before: admin, operator, school, viewer and nothing required — the browser sent 'admin'.
      expect(options.map((o) => o.props.value)).toEqual(['', 'admin', 'operator', 'school', 'viewer']);
      expect(text(options[0])).toBe(t('admin.chooseRole'));
      expect(role.props.required).toBe(true);
    });
  }

  it('is asked for, in the reader\'s language, when the form is sent without one: nothing is created', async () => {
    fill({ username: 'school-pc', password: 'school-password-1', role: '', cameraIds: 'pond-3' });
    submit();
    await step();
    expect(api.writes()).toEqual([]);
    expect(errorShown()).toContain(t('admin.roleMissing'));
    // The browser's own bubble says it too (a `required` select stops the submit before onSubmit).
    const input = { setCustomValidity: jest.fn() };
    (roleSelect().props.onInvalid as (e: unknown) => void)({ target: input, currentTarget: input });
    expect(input.setCustomValidity).toHaveBeenCalledWith(t('admin.roleMissing'));
    fill({ username: 'school-pc', password: 'school-password-1', role: 'school', cameraIds: 'pond-3' });
    submit();
    api.release();
    await step();
    expect(api.writes()).toEqual(['POST /users']);
    expect(api.bodies[0]).toMatchObject({ username: 'school-pc', role: 'school', cameraIds: ['pond-3'] });
  });
});

describe('a double click in Administration', () => {
  it('creates one webhook, and Create is disabled while it is sent', async () => {
    await openTab('webhooks');
    fill({ name: 'pond siren', url: 'https://siren.example/hook', eventTypes: '', minSeverity: '', regionIds: '', cameraIds: '', waters: '' });
    submit();
    submit(); // the second click, before the first answer
    await step();
    expect(api.writes()).toEqual(['POST /webhooks']); // before: two webhooks, only the second's secret shown
    expect(submitButton().props.disabled).toBe(true);
    api.release();
    await step();
    expect(submitButton().props.disabled).toBe(false);
    expect(text(findAll(tree, 'shown-once')[0])).toContain('whsec_1');
    submit(); // the next one, once the first is done
    await step();
    expect(api.writes()).toEqual(['POST /webhooks', 'POST /webhooks']);
  });

  it('sends one test POST (one siren sound), and Send test is disabled while it goes', async () => {
    await openTab('webhooks');
    const press = () => (findAll(tree, 'row-test')[0].props.onClick as () => void)();
    press();
    press();
    await step();
    expect(api.writes()).toEqual(['POST /webhooks/wh-1/test']); // before: two
    expect(findAll(tree, 'row-test')[0].props.disabled).toBe(true);
    api.release();
    await step();
    expect(findAll(tree, 'row-test')[0].props.disabled).toBe(false);
    // Named by its webhook: with several sirens, whose test was delivered (before: not said).
    expect(text(findAll(tree, 'row-action-result')[0])).toMatch(new RegExp(`^.+: ${t('admin.testDelivered', { status: '200', ms: 12 })}$`));
  });
});

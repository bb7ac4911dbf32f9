// The site editor's Save (screens/site-editor.tsx) and Api.saveSite: the save names the version of
// the camera it was built on (If-Match: "<updatedAt>"), so a site changed meanwhile — the village
// head's number added by an admin while this form stood open — is not silently overwritten; the
// refusal (409 camera_changed) says so and offers to reload, as the zone editor does.
import { type MessageKey, translate } from '../../apps/console/src/i18n';
import type { Camera, Site } from '../../apps/console/src/types';
import { unmount, useStubbedFetch } from './hook-harness';
import { elements, loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { SiteEditorScreen } = loadTsx(`${SRC}/screens/site-editor`, require) as { SiteEditorScreen: (p: { cameraId: string }) => unknown };
// api.ts uses the DOM's types, which the root typecheck (node) lacks: loaded untyped, the shapes used here restated.
const { Api, ApiError } = jest.requireActual('../../apps/console/src/api') as {
  Api: new (token: string, onUnauthorized: () => void) => { saveSite(id: string, site: Site | null, updatedAt?: number): Promise<Camera> };
  ApiError: new (status: number, message: string, reason?: string | null, foreign?: boolean) => Error;
};

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);
const CHANGED = "camera 'pond-3' changed meanwhile (saved again at 2026-12-03T02:00:00.000Z, after the copy this save was built on); reload and try again";
const OPERATOR_SITE: Site = { address: '青山塘', contacts: [{ name: '王建国', phone: '138 0013 8000' }] };

/** alerts-api as far as the site editor uses it: one camera, whose version moves on every save. */
class FakeApi {
  stored = { id: 'pond-3', name: '青山塘', site: OPERATOR_SITE, updatedAt: 1000 } as unknown as Camera;
  readonly calls: string[] = [];
  held: Promise<void> | null = null;
  async camera(): Promise<Camera> {
    return structuredClone(this.stored);
  }
  savedElsewhere(site: Site): void {
    this.stored = { ...this.stored, site, updatedAt: this.stored.updatedAt + 1000 };
  }
  async saveSite(_id: string, site: Site | null, updatedAt?: number): Promise<Camera> {
    this.calls.push(`site on ${updatedAt}`);
    if (this.held) await this.held;
    if (updatedAt !== undefined && updatedAt !== this.stored.updatedAt) throw new ApiError(409, CHANGED, 'camera_changed');
    this.stored = { ...this.stored, site, updatedAt: this.stored.updatedAt + 1 };
    return structuredClone(this.stored);
  }
}

let api: FakeApi;
let tree: (El | string)[] = [];
async function step(): Promise<void> {
  tree = await renderSettled(() => SiteEditorScreen({ cameraId: 'pond-3' }));
}
function submit(): void {
  const form = elements<El>(tree, (e) => e.type === 'form')[0];
  (form.props.onSubmit as (e: unknown) => void)({ preventDefault() {} });
}
async function press(testId: string): Promise<void> {
  (findAll(tree, testId)[0].props.onClick as () => void)();
  await step();
}
const message = () => text(findAll(tree, 'site-message')[0]);
const address = () => elements<El>(tree, (e) => e.type === 'input' && e.props.name === 'address')[0].props.value;
/** The operator types a new address (then the re-render preact would do). */
async function typeAddress(value: string): Promise<void> {
  const input = elements<El>(tree, (e) => e.type === 'input' && e.props.name === 'address')[0];
  (input.props.onInput as (e: unknown) => void)({ target: { value } });
  await step();
}

beforeEach(async () => {
  api = new FakeApi();
  useApp.mockReturnValue({ api, t, navigate() {} });
  await step(); // the camera is loaded
});
afterEach(() => unmount());

describe('Save in the site editor', () => {
  it('sends the version it loaded, and the next save the version that save returned', async () => {
    submit();
    await step();
    submit();
    await step();
    expect(api.calls).toEqual(['site on 1000', 'site on 1001']); // before: no version at all
    expect(message()).toBe(t('site.saved'));
  });

  it("does not overwrite a site changed meanwhile: says so, keeps what was typed, and reloads when asked", async () => {
    await typeAddress('青山塘南岸');
    // An admin adds the new village head's number while this form stands open.
    const head = { name: '李村长', phone: '139 0000 0000' };
    api.savedElsewhere({ ...OPERATOR_SITE, contacts: [head, ...OPERATOR_SITE.contacts] });
    submit();
    await step();
    expect(api.calls).toEqual(['site on 1000']);
    expect(api.stored.site?.contacts[0]).toEqual(head); // not overwritten
    expect(message()).toBe(t('site.changedMeanwhile') + t('zones.reload'));
    expect(findAll(tree, 'site-message')[0].props.class).toBe('error');
    expect(address()).toBe('青山塘南岸'); // what was typed stays until reloaded

    await press('site-reload');
    expect(address()).toBe('青山塘');
    expect(findAll(tree, 'site-contact-row')).toHaveLength(2);
    expect(findAll(tree, 'site-message')).toEqual([]);
    submit();
    await step();
    expect(api.calls.at(-1)).toBe('site on 2000');
    expect(message()).toBe(t('site.saved'));
  });

  it('sends one save for a double click, and Save is disabled while it goes', async () => {
    let release!: () => void;
    api.held = new Promise<void>((resolve) => (release = resolve));
    submit();
    submit();
    await step();
    expect(findAll(tree, 'site-save')[0].props.disabled).toBe(true);
    release();
    await step();
    expect(api.calls).toEqual(['site on 1000']);
    expect(message()).toBe(t('site.saved'));
    expect(findAll(tree, 'site-save')[0].props.disabled).toBe(false);
  });
});

describe('Api.saveSite', () => {
  const stubFetch = useStubbedFetch();

  it('PATCHes the site with the version it was built on as If-Match (the body is the camera\'s fields only)', async () => {
    const fetch = stubFetch(200, {});
    await new Api('token', () => undefined).saveSite('pond 3', OPERATOR_SITE, 1000);
    const [url, init] = fetch.mock.calls[0] as [string, { method: string; headers: Record<string, string>; body: string }];
    expect([url, init.method, JSON.parse(init.body)]).toEqual(['/cameras/pond%203', 'PATCH', { site: OPERATOR_SITE }]);
    expect(init.headers['if-match']).toBe('"1000"'); // before: no header (and no parameter)
  });

  it('sends no If-Match when the version is not known', async () => {
    const fetch = stubFetch(200, {});
    await new Api('token', () => undefined).saveSite('pond-3', null);
    const [, init] = fetch.mock.calls[0] as [string, { headers: Record<string, string> }];
    expect(init.headers).not.toHaveProperty('if-match');
  });
});

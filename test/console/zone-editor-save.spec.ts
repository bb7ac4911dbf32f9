// The zone editor's Save (screens/zone-editor.tsx) and the Api calls it makes: each save names the
// version of the camera it was built on (`updatedAt`), and a save refused because another one changed
// the camera meanwhile (409) says so and offers to reload, instead of the API's bare message.
// Run in node through hook-harness, the .tsx compiled by load-tsx.
import path from 'node:path';
import { type MessageKey, translate, translateValue } from '../../apps/console/src/i18n';
import type { Camera, Line, Rule, Zone } from '../../apps/console/src/types';
import { unmount, useStubbedFetch } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';
import { findAll, renderSettled, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
jest.mock('../../apps/console/src/use-image', () => ({ useImage: () => ({ url: null, error: null, reason: null, loadedAt: null }) }));
jest.mock('../../apps/console/src/screens/picture-placeholder', () => ({ PicturePlaceholder: () => null }));
// The rules form is someone else's: a stand-in whose onChange the tests call, as an edited rule would.
jest.mock('../../apps/console/src/screens/rules-editor', () => ({ RulesEditor: jest.fn(() => null) }));

const EDITOR = path.join(SRC, 'screens/zone-editor');

const { ZoneEditorScreen } = loadTsx(EDITOR, require) as { ZoneEditorScreen: (props: { cameraId: string }) => unknown };
// api.ts uses the DOM's types, which the root typecheck (node) lacks: loaded untyped, the shapes used here restated.
interface ApiInstance {
  saveZones(id: string, zones: Zone[], lines: Line[], updatedAt?: number): Promise<Camera>;
  saveRules(id: string, rules: Rule[] | null, updatedAt?: number): Promise<Camera>;
}
const { Api, ApiError, isCameraChangedMeanwhile } = jest.requireActual('../../apps/console/src/api') as {
  Api: new (token: string, onUnauthorized: () => void) => ApiInstance;
  ApiError: new (status: number, message: string, reason?: string | null, foreign?: boolean) => Error;
  isCameraChangedMeanwhile(err: unknown): boolean;
};
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { RulesEditor } = jest.requireMock('../../apps/console/src/screens/rules-editor') as { RulesEditor: jest.Mock };

const t = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);

const CHANGED = "camera 'pond-3' changed meanwhile (saved again at 2026-12-03T08:00:02.000Z, after the copy this save was built on); reload and try again";
const north: Zone = { id: 'north', type: 'water', polygon: [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]] };
const south: Zone = { id: 'south', type: 'water', polygon: [[0.5, 0.5], [1, 0.5], [1, 1], [0.5, 1]] };
const enter = (zone: string) => ({ id: `${zone}.enter`, type: 'zone_enter', zone }) as Rule;

/** alerts-api as far as the editor uses it: one camera, whose version moves on every save, as the real one's does. */
class FakeApi {
  stored = { id: 'pond-3', name: null, zones: [north], lines: [] as Line[], rules: null as Rule[] | null, effectiveRules: [] as Rule[], updatedAt: 1000 } as unknown as Camera;
  readonly calls: string[] = [];
  /** When set, PUT …/rules fails with this (after the zones were saved). */
  rulesFail: Error | null = null;
  async camera(): Promise<Camera> {
    return structuredClone(this.stored);
  }
  /** Another operator's (or tab's) save. */
  savedElsewhere(change: Partial<Camera>): void {
    this.stored = { ...this.stored, ...change, updatedAt: this.stored.updatedAt + 1000 };
  }
  private put(what: string, updatedAt: number | undefined, change: Partial<Camera>): Camera {
    this.calls.push(`${what} on ${updatedAt}`);
    if (updatedAt !== undefined && updatedAt !== this.stored.updatedAt) throw new ApiError(409, CHANGED, 'camera_changed');
    this.stored = { ...this.stored, ...change, updatedAt: this.stored.updatedAt + 1 };
    return structuredClone(this.stored);
  }
  async saveZones(_id: string, zones: Zone[], lines: Line[], updatedAt?: number): Promise<Camera> {
    return this.put('zones', updatedAt, { zones, lines });
  }
  async saveRules(_id: string, rules: Rule[] | null, updatedAt?: number): Promise<Camera> {
    if (this.rulesFail) {
      this.calls.push(`rules on ${updatedAt}`);
      throw this.rulesFail;
    }
    return this.put('rules', updatedAt, { rules });
  }
}

let api: FakeApi;
let tree: (El | string)[] = [];
async function step(): Promise<void> {
  tree = await renderSettled(() => ZoneEditorScreen({ cameraId: 'pond-3' }), 4);
}
async function press(testId: string): Promise<void> {
  const [button] = findAll(tree, testId);
  if (!button) throw new Error(`no ${testId} on screen`);
  (button.props.onClick as (e: unknown) => void)({ stopPropagation() {} });
  await step();
}
const zoneIds = () => findAll(tree, 'zone-id').map((input) => input.props.value);
const message = () => text(findAll(tree, 'zones-message')[0]);
/** An edited rule, as the rules form reports it (then the re-render preact would do). */
async function editRules(rules: Rule[] | null): Promise<void> {
  (RulesEditor.mock.calls.at(-1)![0] as { onChange(r: Rule[] | null): void }).onChange(rules);
  await step();
}

beforeEach(async () => {
  jest.clearAllMocks();
  api = new FakeApi();
  useApp.mockReturnValue({ api, t, tv: (prefix: string, value: string) => translateValue('en', prefix, value), feed: { alerts: new Map() }, user: { role: 'operator' } });
  await step(); // the camera is loaded
});
afterEach(() => unmount());

describe('the zone editor for a viewer', () => {
  it('shows the zones but offers no Save, which the API would refuse with a bare 403', async () => {
    useApp.mockReturnValue({ api, t, tv: (prefix: string, value: string) => translateValue('en', prefix, value), feed: { alerts: new Map() }, user: { role: 'viewer' } });
    await step();
    expect(text(findAll(tree, 'zones-read-only')[0])).toBe(t('zones.readOnly'));
    // The toolbar holding Save (and New zone, New line) is hidden.
    const holdsSave = (n: El | string): boolean => typeof n !== 'string' && (n.props['data-testid'] === 'save-zones' || n.children.some(holdsSave));
    const toolbars = (nodes: (El | string)[]): El[] => nodes.flatMap((n) => (typeof n === 'string' ? [] : n.props.class === 'toolbar' ? [n] : toolbars(n.children)));
    const withSave = toolbars(tree).filter(holdsSave);
    expect(withSave).toHaveLength(1);
    expect(withSave[0].props.hidden).toBe(true); // before: a Save that answered 403
  });
});

describe('Save in the zone editor', () => {
  it('sends the version it loaded, and the next save the version that save returned', async () => {
    await press('save-zones');
    await press('save-zones');
    expect(api.calls).toEqual(['zones on 1000', 'zones on 1001']);
    expect(message()).toBe(t('zones.saved'));
  });

  it('saves the rules on the version the zones save returned', async () => {
    await editRules([enter('north')]);
    await press('save-zones');
    expect(api.calls).toEqual(['zones on 1000', 'rules on 1001']);
    expect(api.stored.rules).toEqual([enter('north')]);
  });

  it("refuses to overwrite another tab's new water zone: says the camera changed meanwhile, and reloads it when asked", async () => {
    // Another operator draws the south pond and saves, after this editor loaded the camera.
    api.savedElsewhere({ zones: [north, south] });
    await press('save-zones');
    expect(api.calls).toEqual(['zones on 1000']);
    expect(api.stored.zones.map((z) => z.id)).toEqual(['north', 'south']);
    // Not the API's bare message: what happened and what to do, with the button to do it.
    expect(message()).toBe(t('zones.changedMeanwhile') + t('zones.reload'));
    expect(findAll(tree, 'zones-message')[0].props.class).toBe('error');
    expect(zoneIds()).toEqual(['north']); // what was drawn here stays until reloaded

    await press('zones-reload');
    expect(zoneIds()).toEqual(['north', 'south']);
    expect(findAll(tree, 'zones-message')).toEqual([]);
    await press('save-zones');
    expect(api.calls.at(-1)).toBe('zones on 2000');
    expect(message()).toBe(t('zones.saved'));
  });

  it('says when the zones were saved but the rules were refused as changed meanwhile', async () => {
    await editRules([enter('north')]);
    api.rulesFail = new ApiError(409, CHANGED, 'camera_changed');
    await press('save-zones');
    expect(message()).toBe(t('zones.rulesChangedMeanwhile') + t('zones.reload'));
  });

  it('builds the next save on the zones it saved when the rules were refused for another reason', async () => {
    await editRules([enter('north')]);
    api.rulesFail = new ApiError(400, 'body.rules[0].zone: no zone north2');
    await press('save-zones');
    expect(message()).toBe('body.rules[0].zone: no zone north2'); // other errors: as the API words them
    api.rulesFail = null;
    await press('save-zones');
    // Not 1000 again: that would be refused as changed meanwhile by this editor's own zones save.
    expect(api.calls).toEqual(['zones on 1000', 'rules on 1001', 'zones on 1001', 'rules on 1002']);
    expect(message()).toBe(t('zones.saved'));
  });

  it('sends one save for a double click, disabled while it goes, and says saved (not "changed by someone else")', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const saveZones = api.saveZones.bind(api);
    api.saveZones = async (...args) => (await held, saveZones(...args));
    const click = findAll(tree, 'save-zones')[0].props.onClick as (e: unknown) => void;
    click({ stopPropagation() {} });
    click({ stopPropagation() {} }); // the second click, before the first answer
    await step();
    expect(findAll(tree, 'save-zones')[0].props.disabled).toBe(true);
    release();
    await step();
    // Before: ['zones on 1000', 'zones on 1000'], the second refused with 409 camera_changed, and
    // the message (the last answer's) said the zones were not saved though they were.
    expect(api.calls).toEqual(['zones on 1000']);
    expect(message()).toBe(t('zones.saved'));
    expect(findAll(tree, 'save-zones')[0].props.disabled).toBe(false);
  });
});

describe('Api: the version a camera change was built on', () => {
  const stubFetch = useStubbedFetch();
  const sent = (fetch: jest.Mock) => {
    const [url, init] = fetch.mock.calls[0] as [string, { method: string; body: string }];
    return { url, method: init.method, body: JSON.parse(init.body) };
  };

  it('is sent in the body of PUT …/zones and PUT …/rules as updatedAt, and left out when not known', async () => {
    const client = new Api('token', () => undefined);
    let fetch = stubFetch(200, {});
    await client.saveZones('pond 3', [north], [], 1000);
    expect(sent(fetch)).toEqual({ url: '/cameras/pond%203/zones', method: 'PUT', body: { zones: [north], lines: [], updatedAt: 1000 } });
    fetch = stubFetch(200, {});
    await client.saveRules('pond-3', null, 1001);
    expect(sent(fetch)).toEqual({ url: '/cameras/pond-3/rules', method: 'PUT', body: { rules: null, updatedAt: 1001 } });
    fetch = stubFetch(200, {});
    await client.saveRules('pond-3', null);
    expect(sent(fetch).body).toEqual({ rules: null });
  });

  it("maps the API's 409 to a camera changed meanwhile, not a proxy's 409 or another error", async () => {
    stubFetch(409, { statusCode: 409, message: CHANGED, error: 'Conflict', reason: 'camera_changed' });
    const refused = await new Api('token', () => undefined).saveZones('pond-3', [north], [], 1000).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(isCameraChangedMeanwhile(refused)).toBe(true);
    // The API's other 409s say what to do themselves: a school's water zone kept is no reload.
    const school = "camera 'pond-3': zone 'pond' is the water of school 'Qingshan School'; take it out of the school's waters first";
    stubFetch(409, { statusCode: 409, message: school, error: 'Conflict' });
    const kept = await new Api('token', () => undefined).saveZones('pond-3', [], [], 1000).catch((err: unknown) => err);
    expect(isCameraChangedMeanwhile(kept)).toBe(false); // before: true, and Reload threw the drawing away
    expect((kept as Error).message).toBe(school);
    expect(isCameraChangedMeanwhile(new ApiError(409, 'HTTP 409', null, true))).toBe(false);
    expect(isCameraChangedMeanwhile(new ApiError(400, 'body.zones[0].polygon: …'))).toBe(false);
    expect(isCameraChangedMeanwhile(new Error(CHANGED))).toBe(false);
  });
});

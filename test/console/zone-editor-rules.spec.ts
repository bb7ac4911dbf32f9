// The zone editor hands the rules form the rules in effect (the API's effectiveRules), not only the
// explicit ones: a zone drawn after the rules were tuned shows its default rules, and an edit saves them.
// Run in node through hook-harness, the .tsx compiled by load-tsx.
import { translate, translateValue } from '../../apps/console/src/i18n';
import type { Camera, Rule, Zone } from '../../apps/console/src/types';
import { flushEffects, render, unmount } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
jest.mock('../../apps/console/src/use-image', () => ({
  useImage: () => ({ url: null, error: null, reason: null, loadedAt: null }),
}));
jest.mock('../../apps/console/src/screens/picture-placeholder', () => ({ PicturePlaceholder: () => null }));
jest.mock('../../apps/console/src/screens/rules-editor', () => ({ RulesEditor: jest.fn(() => null) }));

function expand(v: unknown): void {
  if (v === null || v === undefined || typeof v !== 'object') return;
  if (Array.isArray(v)) return v.forEach(expand);
  const node = v as { type: unknown; props: { children?: unknown } };
  if (typeof node.type === 'function') return expand((node.type as (p: unknown) => unknown)(node.props));
  expand(node.props.children);
}

const { ZoneEditorScreen } = loadTsx(`${SRC}/screens/zone-editor`, require) as { ZoneEditorScreen: (props: { cameraId: string }) => unknown };
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };
const { RulesEditor } = jest.requireMock('../../apps/console/src/screens/rules-editor') as { RulesEditor: jest.Mock };

const north: Zone = {
  id: 'north',
  type: 'water',
  polygon: [
    [0, 0.5],
    [0.5, 0.5],
    [0.5, 1],
    [0, 1],
  ],
};
const south: Zone = {
  id: 'south',
  type: 'water',
  polygon: [
    [0.5, 0.5],
    [1, 0.5],
    [1, 1],
    [0.5, 1],
  ],
};
const rule = (id: string, zone: string, extra: Record<string, unknown> = {}) =>
  ({ id, type: 'dwell', zone, seconds: 30, ...extra }) as unknown as Rule;
/** north's rules were tuned (explicit); south was drawn later: the API adds its defaults to effectiveRules. */
const explicit = [rule('north.dwell', 'north', { seconds: 60 })];
const effective = [...explicit, rule('south.dwell', 'south')];
const camera = {
  id: 'pond-3',
  name: null,
  zones: [north, south],
  lines: [],
  rules: explicit,
  effectiveRules: effective,
  updatedAt: 1000,
} as unknown as Camera;

type FormProps = { rules: Rule[]; explicit: boolean; onChange(rules: Rule[] | null): void };
const form = () => RulesEditor.mock.calls.at(-1)![0] as FormProps;
async function step(): Promise<void> {
  for (let round = 0; round < 3; round++) {
    expand(render(() => ZoneEditorScreen({ cameraId: 'pond-3' })));
    flushEffects();
    await new Promise((resolve) => setImmediate(resolve));
  }
  expand(render(() => ZoneEditorScreen({ cameraId: 'pond-3' })));
}

beforeEach(async () => {
  jest.clearAllMocks();
  const api = { camera: async () => structuredClone(camera) };
  useApp.mockReturnValue({
    api,
    t: (key: never) => translate('en', key),
    tv: (prefix: string, value: string) => translateValue('en', prefix, value),
    feed: { alerts: new Map() },
    user: { role: 'operator' },
  });
  await step();
});
afterEach(() => unmount());

it("shows the rules in effect of a camera with explicit rules, a later zone's defaults included", () => {
  expect(form().rules.map((r) => r.id)).toEqual(['north.dwell', 'south.dwell']);
  expect(form().explicit).toBe(true);
});

it('keeps what was edited, all the rules in effect, for the save', async () => {
  form().onChange(form().rules.map((r) => (r.id === 'south.dwell' ? ({ ...r, seconds: 45 } as Rule) : r)));
  await step();
  expect(form().rules.map((r) => [r.id, (r as unknown as { seconds: number }).seconds])).toEqual([
    ['north.dwell', 60],
    ['south.dwell', 45],
  ]);
});

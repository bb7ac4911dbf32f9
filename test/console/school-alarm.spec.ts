// A school's full-screen warning and its Test alarm (screens/school-alarm.tsx), with the sound-off
// line (screens/sound-banner.tsx), run in node through hook-harness: the components' trees are
// walked as a DOM would be, buttons pressed by calling their onClick, the clock is jest's.
import path from 'node:path';
import { translate, type MessageKey } from '../../apps/console/src/i18n';
import type { Alert } from '../../apps/console/src/types';
import { flushEffects, render, unmount } from './hook-harness';
import { loadTsx, SRC } from './load-tsx';
import { expand, find, text, type El } from './render-tree';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);
jest.mock('../../apps/console/src/alarm', () => ({ playAlarm: jest.fn(), audioContext: jest.fn(), soundBlocked: jest.fn(), unlockSound: jest.fn(async () => undefined) }));
jest.mock('../../apps/console/src/context', () => ({ useApp: jest.fn() }));
jest.mock('../../apps/console/src/use-image', () => ({ useImage: () => ({ url: null, error: null, reason: null, loadedAt: null }) }));
jest.mock('../../apps/console/src/screens/site-card', () => ({ SiteCard: () => null }));

/** The .tsx modules compiled here: jest's transform takes .ts only. Their other imports go through jest (mocks apply). */
const COMPILED = ['screens/school-alarm', 'screens/sound-banner'].map((m) => path.join(SRC, m));
/** A module the compiled ones import: one of COMPILED compiled too, anything else through jest (mocks apply). */
const requireCompiled = (target: string): unknown =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest's require, so that the mocks above apply
  COMPILED.includes(target) ? loadTsx(target, requireCompiled) : require(target);

type Component = () => unknown;
const { SchoolAlarm, AlarmTest } = loadTsx(COMPILED[0], requireCompiled) as { SchoolAlarm: Component; AlarmTest: Component };
const { ApiError } = jest.requireActual('../../apps/console/src/api') as { ApiError: new (status: number, message: string, reason?: string | null, foreign?: boolean) => Error };
const { playAlarm, audioContext, soundBlocked, unlockSound } = jest.requireMock('../../apps/console/src/alarm') as Record<string, jest.Mock>;
const { useApp } = jest.requireMock('../../apps/console/src/context') as { useApp: jest.Mock };


const now = 1_800_000_000_000;
const t = (key: MessageKey, params?: Record<string, string | number>) => translate('en', key, params);
const drowning = (id: string, over: Partial<Alert> = {}): Alert =>
  ({
    id,
    cameraId: 'pond',
    cameraName: 'North pond',
    rule: 'vanish_in_water',
    severity: 'critical',
    state: 'open',
    zoneId: 'pond',
    zoneName: null,
    startedAt: now - 10_000,
    capturedAt: now - 9_800,
    updatedAt: now - 5_000,
    alarmedAt: now - 5_000,
    message: 'person last seen in the water 8 s ago',
    boxes: [],
    hasSnapshot: false,
    snapshotUrl: null,
    ...over,
  }) as Alert;

/** alerts-api as the school's screen sees it: `server` holds the alerts in its scope. */
class FakeApi {
  readonly server = new Map<string, Alert>();
  /** When set, GET /alerts/:id fails with this status (0: no answer). */
  readFails: number | null = null;
  /** When set, POST …/seen fails with this status. */
  seenFails: number | null = null;
  /** When set, every request answers a proxy's 404 page (not the API's own error). */
  proxy404 = false;
  readonly seen: string[] = [];
  async alert(id: string): Promise<unknown> {
    if (this.proxy404) throw new ApiError(404, 'HTTP 404', null, true);
    if (this.readFails !== null) throw new ApiError(this.readFails, `HTTP ${this.readFails}`);
    const found = this.server.get(id);
    if (!found) throw new ApiError(404, `alert '${id}' not found`);
    return { ...found, transitions: [], site: null };
  }
  async transition(id: string): Promise<unknown> {
    this.seen.push(id);
    if (this.proxy404) throw new ApiError(404, 'HTTP 404', null, true);
    if (this.seenFails !== null) throw new ApiError(this.seenFails, `HTTP ${this.seenFails}`);
    if (!this.server.has(id)) throw new ApiError(404, 'Not recorded');
    return this.alert(id);
  }
  async addNote(): Promise<unknown> {
    return {};
  }
}

let api: FakeApi;
let feed: { alerts: Map<string, Alert>; upsert: jest.Mock };
let tree: (El | string)[] = [];
const savedListeners = { add: (globalThis as Record<string, unknown>).addEventListener, remove: (globalThis as Record<string, unknown>).removeEventListener };

/** The school's screen: the header's Test alarm and the warning (app.tsx renders both). */
const screen = () => expand([AlarmTest(), SchoolAlarm()]);
/** Renders, runs the effects, lets the answers and `ms` of timers come, a few rounds (the harness does not re-render by itself). */
async function step(ms = 0): Promise<void> {
  for (let round = 0; round < 4; round++) {
    tree = render(screen);
    flushEffects();
    await jest.advanceTimersByTimeAsync(round === 0 ? ms : 0);
  }
  tree = render(screen);
  flushEffects();
}
function press(testId: string): void {
  const button = find(tree, testId);
  if (!button) throw new Error(`no ${testId} on screen`);
  expect(button.props.disabled).toBeFalsy();
  (button.props.onClick as () => void)();
}
/** A drowning the feed holds, in the school's scope, on screen and armed. */
async function warningOnScreen(a = drowning('d1')): Promise<void> {
  api.server.set(a.id, a);
  feed.alerts.set(a.id, a);
  await step(); // its detail is read
  await step(1500); // the confirm button arms
  expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe(a.id);
}

beforeEach(() => {
  jest.useFakeTimers({ now });
  jest.clearAllMocks();
  api = new FakeApi();
  feed = { alerts: new Map(), upsert: jest.fn() };
  useApp.mockReturnValue({ api, feed, t, lang: 'en' });
  soundBlocked.mockReturnValue(false);
  audioContext.mockReturnValue({ state: 'running', addEventListener: jest.fn(), removeEventListener: jest.fn() });
  Object.assign(globalThis, { addEventListener: jest.fn(), removeEventListener: jest.fn() });
});

afterEach(() => {
  unmount();
  jest.useRealTimers();
  Object.assign(globalThis, { addEventListener: savedListeners.add, removeEventListener: savedListeners.remove });
});

describe('the sound-off line on the full-screen warning', () => {
  it("is shown on a warning while the browser keeps the sound off, and turns the sound on when pressed", async () => {
    soundBlocked.mockReturnValue(true);
    audioContext.mockReturnValue({ state: 'suspended', addEventListener: jest.fn(), removeEventListener: jest.fn() });
    await warningOnScreen();
    const line = find([find(tree, 'school-alarm')!], 'school-sound-blocked');
    expect(text(line)).toBe(t('school.soundBlocked'));
    press('school-sound-blocked');
    expect(unlockSound).toHaveBeenCalledTimes(1);
  });

  it('is shown on the Test alarm too: the test is of the sound', async () => {
    soundBlocked.mockReturnValue(true);
    audioContext.mockReturnValue({ state: 'suspended', addEventListener: jest.fn(), removeEventListener: jest.fn() });
    await step();
    press('alarm-test');
    await step();
    expect(find([find(tree, 'school-alarm-test')!], 'school-sound-blocked')).toBeDefined();
  });

  it('is not shown while the sound plays', async () => {
    await warningOnScreen();
    expect(find(tree, 'school-sound-blocked')).toBeUndefined();
  });
});

describe('a real warning during the Test alarm', () => {
  it('ends the test: one red screen, one sound, and the real one says it is no test', async () => {
    await step();
    press('alarm-test');
    await step();
    expect(find(tree, 'school-alarm-test')).toBeDefined();
    expect(playAlarm).toHaveBeenCalledTimes(1);

    const real = drowning('d1');
    api.server.set(real.id, real);
    feed.alerts.set(real.id, real);
    await step();
    expect(find(tree, 'school-alarm-test')).toBeUndefined();
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d1');
    expect(text(find(tree, 'school-test-ended'))).toBe(t('school.testEnded'));
    playAlarm.mockClear();
    await step(8000);
    expect(playAlarm).toHaveBeenCalledTimes(1); // the warning's repeat only; the test's has stopped
    expect(find(tree, 'alarm-test')?.props.disabled).toBeFalsy(); // a test may be run again later
  });

  it('does not start over a real warning (its button lies behind it, but a key press can reach it)', async () => {
    await warningOnScreen();
    press('alarm-test');
    await step();
    expect(find(tree, 'school-alarm-test')).toBeUndefined();
  });

  it('says nothing of a test when none was running', async () => {
    await warningOnScreen();
    expect(find(tree, 'school-test-ended')).toBeUndefined();
  });
});

describe('a warning whose alert left the school\'s scope', () => {
  it('closes, and its sound stops, when its "seen" answers 404; the school is told why', async () => {
    await warningOnScreen();
    api.server.delete('d1'); // an admin narrowed the school's waters
    press('school-confirm');
    await step();
    expect(api.seen).toEqual(['d1']);
    expect(find(tree, 'school-alarm')).toBeUndefined();
    expect(text(find(tree, 'school-gone'))).toContain(t('school.gone', { camera: 'North pond' }));
    playAlarm.mockClear();
    await step(20_000);
    expect(playAlarm).not.toHaveBeenCalled();
    press('school-gone-dismiss'); // read: it goes
    await step();
    expect(find(tree, 'school-gone')).toBeUndefined();
  });

  it("stays on a proxy's 404 (a route missing during a deploy), seen or recheck", async () => {
    await warningOnScreen();
    api.proxy404 = true;
    press('school-confirm');
    await step();
    await step(5000);
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d1');
    expect(find(tree, 'school-gone')).toBeUndefined();
  });

  it('closes when the recheck of the warning on screen answers 404', async () => {
    await warningOnScreen();
    api.server.delete('d1');
    await step(5000);
    expect(find(tree, 'school-alarm')).toBeUndefined();
    expect(find(tree, 'school-gone')).toBeDefined();
  });

  it('then shows the next warning, which says why the first one went', async () => {
    await warningOnScreen(drowning('d1'));
    const older = drowning('d0', { startedAt: now - 20_000 });
    api.server.set(older.id, older);
    feed.alerts.set(older.id, older);
    await step();
    api.server.delete('d1');
    await step(5000);
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d0');
    expect(find([find(tree, 'school-alarm')!], 'school-gone')).toBeDefined();
  });

  it('comes back if the alert is pushed again, changed (the school\'s waters widened again)', async () => {
    await warningOnScreen();
    api.server.delete('d1');
    await step(5000);
    expect(find(tree, 'school-alarm')).toBeUndefined();
    const again = drowning('d1', { updatedAt: now + 10_000, alarmedAt: now + 10_000 });
    api.server.set(again.id, again);
    feed.alerts.set(again.id, again);
    await step();
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d1');
  });

  it('stays, with the existing retry, on a 5xx or no answer', async () => {
    await warningOnScreen();
    api.seenFails = 503;
    press('school-confirm');
    await step();
    expect(find(tree, 'school-alarm')).toBeDefined();
    expect(find(tree, 'school-confirm-error')).toBeDefined();
    api.readFails = 0;
    await step(5000);
    api.readFails = 502;
    await step(5000);
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d1');
    expect(find(tree, 'school-gone')).toBeUndefined();
    playAlarm.mockClear();
    await step(8000);
    expect(playAlarm).toHaveBeenCalledTimes(1);
  });
});

describe('a drowning while a camera fault is on screen', () => {
  /**
   * The pond camera's lens covered, raised critical by the school's admin, on screen and armed; nobody
   * confirms it (it asks nobody to run). A child goes under at the school's other pond: its warning.
   */
  async function drowningOverArmedFault(): Promise<Alert> {
    await warningOnScreen(drowning('covered', { rule: 'camera_covered', zoneId: null, message: 'camera covered', updatedAt: now - 60_000, alarmedAt: now - 60_000 }));
    const child = drowning('d2', { cameraId: 'east', cameraName: 'East pond' });
    api.server.set(child.id, child);
    feed.alerts.set(child.id, child);
    await step();
    return child;
  }

  it('replaces an armed, unconfirmed camera fault an admin made critical, and arms again before it can be confirmed', async () => {
    await drowningOverArmedFault();
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d2'); // before: 'covered' until confirmed
    expect(find(tree, 'school-confirm')?.props.disabled).toBe(true); // a click meant for the fault is not taken for it
    await step(1500);
    expect(find(tree, 'school-confirm')?.props.disabled).toBeFalsy();
  });

  it('arms again when a camera fault comes back after the drowning that replaced it left before arming', async () => {
    const child = await drowningOverArmedFault();
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('d2');
    await jest.advanceTimersByTimeAsync(500); // an operator resolves it before its button armed
    const resolved = { ...child, state: 'resolved', updatedAt: now + 500 } as Alert;
    feed.alerts.set(child.id, resolved);
    api.server.set(child.id, resolved);
    tree = render(screen);
    flushEffects();
    tree = render(screen);
    expect(find(tree, 'school-alarm')?.props['data-alert-id']).toBe('covered');
    expect(find(tree, 'school-confirm')?.props.disabled).toBe(true); // before: false — the click meant for the drowning confirms the fault
  });
});

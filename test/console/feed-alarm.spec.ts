// When the console rings (feed-state.ts shouldRing / alarmsAfterLoad), what the notification says
// (alarm.ts alarmNotice), and that a suspended AudioContext queues no tones (alarm.ts playAlarm).
import {
  alarmsAfterLoad,
  applyMessage,
  emptyFeed,
  escalatedTo,
  escalationKey,
  escalationsAfterLoad,
  stillRings,
  mergeAlerts,
  shouldRing,
  type FeedState,
} from '../../apps/console/src/feed-state';
import type { Lang } from '../../apps/console/src/i18n';
import type { Alert, PushedAlert, PushMessage } from '../../apps/console/src/types';
import { FakeNotification } from './browser-fakes';

// alarm.ts needs the DOM's types (AudioContext, Notification), which the root typecheck (node) lacks:
// loaded untyped, so that tsc does not pull it into that program.
type AlarmModule = {
  alarmNotice(lang: Lang, alert: Alert): { title: string; text: string };
  playAlarm(sound?: 'critical' | 'escalation'): void;
  notify(title: string, text: string, alert: Alert): void;
  notifyBurst(title: string, text: string, worst: Alert, count: number): void;
  closeNotification(id: string): void;
  closeNotifications(): void;
};
const loadAlarm = () => jest.requireActual('../../apps/console/src/alarm') as AlarmModule;
const { alarmNotice } = loadAlarm();

const now = 1_800_000_000_000;
const HOUR = 3_600_000;
const critical = (id: string, over: Partial<PushedAlert> = {}): PushedAlert =>
  ({
    id,
    cameraId: 'cam',
    rule: 'vanish_in_water',
    severity: 'critical',
    state: 'open',
    startedAt: now - 5000,
    alarmedAt: now - 5000,
    updatedAt: now - 5000,
    message: 'm',
    boxes: [],
    ...over,
  }) as PushedAlert;

/** What the feed hook does with a message: apply it, then ask whether it rings. */
function ring(state: FeedState, msg: PushMessage): boolean {
  const before = 'data' in msg && msg.type !== 'camera.status' ? state.alerts.get(msg.data.id) : undefined;
  return shouldRing(before, msg, applyMessage(state, msg), now);
}

describe('shouldRing', () => {
  const live = emptyFeed(10);

  it("rings for the server's alarm even when the alert is already in the map (a REST load came first)", () => {
    const loaded = mergeAlerts(live, [critical('a')]);
    expect(ring(loaded, { type: 'alert.created', seq: 11, data: critical('a', { alarm: true }) })).toBe(true);
    // The raise re-pushed by the sweeper, after REST already brought the raised copy.
    const raised = mergeAlerts(live, [critical('b', { alarmedAt: now - 1000, updatedAt: now - 1000 })]);
    expect(
      ring(raised, {
        type: 'alert.updated',
        seq: 12,
        data: critical('b', { alarmedAt: now - 1000, updatedAt: now - 1000, alarm: true }),
      }),
    ).toBe(true);
  });

  it('does not ring for an update of an old or resolved critical alert this screen never had', () => {
    const resolved = critical('a', { state: 'resolved', alarmedAt: now - 5 * HOUR, updatedAt: now });
    expect(ring(live, { type: 'alert.updated', seq: 11, data: resolved })).toBe(false);
    expect(ring(live, { type: 'alert.updated', seq: 11, data: { ...resolved, alarm: false } })).toBe(false);
    expect(ring(live, { type: 'alert.updated', seq: 11, data: { ...resolved, alarm: true } })).toBe(false); // closed: nobody to call
    const noted = critical('a', { alarmedAt: now - HOUR, startedAt: now - HOUR, updatedAt: now }); // someone added a note
    expect(ring(live, { type: 'alert.updated', seq: 11, data: noted })).toBe(false);
    expect(ring(live, { type: 'alert.updated', seq: 11, data: { ...noted, alarm: false } })).toBe(false);
  });

  it('follows the flag over the age of the alarm, and raisedNow() without it', () => {
    expect(ring(live, { type: 'alert.updated', seq: 11, data: critical('a', { alarm: false }) })).toBe(false); // news, not an alarm
    expect(ring(live, { type: 'alert.created', seq: 11, data: critical('a') })).toBe(true); // an older server: raised 5 s ago
    expect(
      ring(live, { type: 'alert.created', seq: 11, data: critical('a', { severity: 'major', alarm: true }) }),
    ).toBe(false);
  });

  it('does not ring for a message the feed ignored: a replayed seq or an older copy', () => {
    expect(ring(live, { type: 'alert.created', seq: 10, data: critical('a', { alarm: true }) })).toBe(false);
    const newer = mergeAlerts(live, [critical('a', { state: 'acknowledged', updatedAt: now })]);
    expect(ring(newer, { type: 'alert.created', seq: 11, data: critical('a', { alarm: true }) })).toBe(false);
  });

  it('does not ring for other messages', () => {
    expect(ring(live, { type: 'pong' })).toBe(false);
    expect(ring(live, { type: 'resync_required', seq: 90 })).toBe(false);
  });
});

describe('alarmsAfterLoad', () => {
  it('rings once for critical alerts a REST load brought that are unanswered or recent, as the feed holds them', () => {
    const loaded: Alert[] = [
      critical('recent'),
      // Unanswered for an hour: rings as its push would (stillRings) — before 2026-12-03 only "recent" rang.
      critical('old', { alarmedAt: now - HOUR, startedAt: now - HOUR }),
      critical('old-claimed', { alarmedAt: now - HOUR, startedAt: now - HOUR, state: 'acknowledged' }),
      critical('recent-claimed', { state: 'dispatched' }),
      critical('closed', { state: 'resolved' }),
      critical('minor', { severity: 'major' }),
      critical('rung'),
      critical('since-resolved'),
    ];
    let state = mergeAlerts(emptyFeed(), loaded);
    state = mergeAlerts(state, [critical('since-resolved', { state: 'resolved', updatedAt: now })]); // a push came first
    const due = alarmsAfterLoad(state, [...loaded, critical('recent')], new Set(['rung@' + (now - 5000)]), now);
    expect(due.map((a) => a.id)).toEqual(['recent', 'old', 'recent-claimed']);
  });
});

describe('escalationsAfterLoad', () => {
  const major = (id: string, over: Partial<PushedAlert> = {}) =>
    critical(id, { severity: 'major', alarmedAt: null, escalationLevel: 1, responsibleRegionId: 'township', ...over });

  it("rings for escalations to the user's regions a REST load brought, still open at a level not rung for", () => {
    const loaded: Alert[] = [
      major('mine'),
      major('rung'),
      major('rung-lower', { escalationLevel: 2 }), // level 1 rang; level 2 has not
      major('claimed', { state: 'acknowledged' }),
      major('elsewhere', { responsibleRegionId: 'county' }),
      major('not-escalated', { escalationLevel: 0 }),
    ];
    const state = mergeAlerts(emptyFeed(), loaded);
    const notified = new Set([escalationKey(major('rung')), escalationKey(major('rung-lower'))]);
    expect(escalationsAfterLoad(state, loaded, notified, ['township', 'village']).map((a) => a.id)).toEqual(['mine', 'rung-lower']);
    expect(escalationsAfterLoad(state, loaded, notified, [])).toEqual([]);
  });
});

describe('alarmNotice', () => {
  it("is titled by the alert's rule in the reader's language, not always 'Possible drowning'", () => {
    const offline = critical('c', { rule: 'camera_offline', message: 'camera offline' });
    expect(alarmNotice('en', offline).title).toBe('Camera offline');
    expect(alarmNotice('zh-CN', offline).title).toBe('摄像头离线');
    expect(alarmNotice('zh-CN', critical('d')).title).toBe('疑似溺水');
    expect(alarmNotice('en', critical('d')).text).toBe('m');
  });
});

describe('playAlarm', () => {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = g.AudioContext;
  let resume: () => void = () => undefined;
  class FakeAudioContext {
    static created: FakeAudioContext[] = [];
    state = 'suspended';
    currentTime = 0;
    destination = {};
    oscillators = 0;
    /** Each tone's pitch, in the order scheduled. */
    readonly hz: { value?: number }[] = [];
    constructor() {
      FakeAudioContext.created.push(this);
    }
    resume(): Promise<void> {
      return new Promise((done) => (resume = () => ((this.state = 'running'), done())));
    }
    createOscillator() {
      this.oscillators++;
      const frequency = {};
      this.hz.push(frequency);
      return { frequency, connect: (n: unknown) => n, start: () => undefined, stop: () => undefined };
    }
    createGain() {
      return { gain: {}, connect: (n: unknown) => n };
    }
  }
  const flush = () => new Promise((r) => setImmediate(r));
  /** alarm.ts keeps the page's one AudioContext: each test loads it afresh, on a context of its own. */
  let playAlarm: AlarmModule['playAlarm'];
  /** The context playAlarm created in this test. */
  const context = () => {
    expect(FakeAudioContext.created).toHaveLength(1);
    return FakeAudioContext.created[0];
  };

  beforeAll(() => {
    g.AudioContext = FakeAudioContext;
  });
  beforeEach(() => {
    FakeAudioContext.created = [];
    resume = () => undefined;
    jest.isolateModules(() => ({ playAlarm } = loadAlarm()));
  });
  afterAll(() => {
    g.AudioContext = saved;
  });

  it('schedules no tones while the browser keeps the context suspended, and none when it resumes later', async () => {
    playAlarm();
    const ctx = context();
    await flush();
    expect(ctx.oscillators).toBe(0);
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 3 * HOUR); // hours later, a click
    resume();
    await flush();
    clock.mockRestore();
    expect(ctx.oscillators).toBe(0);
  });

  it('sounds when the context resumes at once, and at once when it runs', async () => {
    playAlarm();
    const ctx = context();
    resume();
    await flush();
    expect(ctx.oscillators).toBe(6);
    playAlarm();
    expect(context()).toBe(ctx); // the page's one context, running now
    expect(ctx.oscillators).toBe(12);
  });

  it("sounds an escalation unlike a critical alarm: an operator tells a drowning from a storm's escalations by ear", async () => {
    playAlarm('escalation');
    const ctx = context();
    resume();
    await flush();
    const escalation = ctx.hz.map((f) => f.value);
    playAlarm('critical');
    const critical = ctx.hz.slice(escalation.length).map((f) => f.value);
    expect(critical).toEqual([880, 660, 880, 660, 880, 660]); // the school's and the feed's alarm, as before
    expect(escalation.length).toBeLessThan(critical.length);
    expect(escalation.some((hz) => critical.includes(hz))).toBe(false); // before 2026-12-03: one sound for both
  });
});

describe('escalatedTo', () => {
  const major = (over: Partial<PushedAlert> = {}) => critical('e1', { severity: 'major', alarmedAt: null, escalationLevel: 0, responsibleRegionId: 'village', ...over });

  it("rings the region the alert now rests with, once per level, while nobody has claimed it", () => {
    const before = major();
    const up = major({ escalationLevel: 1, responsibleRegionId: 'township' });
    expect(escalatedTo(before, up, ['township'])).toBe(true);
    expect(escalatedTo(before, up, ['village'])).toBe(false); // the village was rung for the alert itself
    expect(escalatedTo(up, up, ['township'])).toBe(false); // a note on the escalated alert
    expect(escalatedTo(undefined, up, ['township'])).toBe(true); // the screen did not hold it yet
    expect(escalatedTo(before, { ...up, state: 'acknowledged' }, ['township'])).toBe(false);
    expect(escalationKey(up)).not.toBe(escalationKey({ ...up, escalationLevel: 2 }));
  });
});

describe('stillRings (a pushed alarm, judged again on the feed a moment later)', () => {
  it('rings for an unanswered alarm however old; not once a replay brought its claim or resolution', () => {
    const raised = critical('s1', { alarmedAt: now - 5 * HOUR });
    expect(stillRings(raised, raised, now)).toBe(true); // nobody acknowledged it: a drowning unanswered
    expect(stillRings(raised, { ...raised, state: 'acknowledged' }, now)).toBe(false);
    expect(stillRings(raised, { ...raised, state: 'resolved' }, now)).toBe(false);
    expect(stillRings(raised, { ...raised, alarmedAt: now - 1000 }, now)).toBe(false); // raised again: its own push rings
    expect(stillRings(raised, undefined, now)).toBe(false);
    const fresh = critical('s2', { alarmedAt: now - 1000, state: 'acknowledged' });
    expect(stillRings(fresh, fresh, now)).toBe(true); // reopened-and-claimed races aside: recent alarms ring
  });
});

describe('desktop notifications', () => {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = g.Notification;
  let alarm: AlarmModule;
  /** What a click did in the page: the tab focused, the routes pushed, the popstates the app heard. */
  const page = { focused: 0, pushed: [] as string[], popstates: 0 };
  const savedPage = { window: g.window, history: g.history, dispatchEvent: g.dispatchEvent, PopStateEvent: g.PopStateEvent, document: g.document };
  beforeEach(() => {
    FakeNotification.all = [];
    g.Notification = FakeNotification;
    Object.assign(page, { focused: 0, pushed: [], popstates: 0 });
    g.window = { focus: () => page.focused++ };
    g.history = { pushState: (_: unknown, __: string, url: string) => page.pushed.push(url) };
    g.PopStateEvent = class {
      constructor(readonly type: string) {}
    };
    g.dispatchEvent = (e: { type: string }) => e.type === 'popstate' && page.popstates++;
    jest.isolateModules(() => (alarm = loadAlarm()));
  });
  afterAll(() => {
    g.Notification = saved;
    for (const [name, value] of Object.entries(savedPage)) {
      if (value === undefined) delete g[name];
      else g[name] = value;
    }
  });

  it("open their alert when clicked, in the console's tab brought to the front", () => {
    alarm.notify('Possible drowning', 'pond', critical('a/1'));
    FakeNotification.all[0].onclick?.(); // before 2026-12-03: no onclick — the click did nothing
    expect(page).toEqual({ focused: 1, pushed: ['/console/alerts/a%2F1'], popstates: 1 });
    expect(FakeNotification.all[0].closed).toBe(true);
  });

  it("say a burst's count once, naming the most urgent, and open the alert list when clicked", () => {
    g.document = { documentElement: { lang: 'en' } };
    alarm.notifyBurst('Camera offline', 'no frames', critical('o', { severity: 'major', rule: 'camera_offline', cameraName: 'Gate' }), 300);
    alarm.notifyBurst('Camera offline', 'no frames', critical('p', { severity: 'major', rule: 'camera_offline', cameraName: 'Pier' }), 312);
    expect(FakeNotification.all.map((n) => [n.title, n.options.body, n.options.tag])).toEqual([
      ['300 alerts escalated to your region', 'Most urgent: Camera offline, Gate: no frames', 'xl.escalation-burst'],
      ['312 alerts escalated to your region', 'Most urgent: Camera offline, Pier: no frames', 'xl.escalation-burst'],
    ]);
    FakeNotification.all[1].onclick?.();
    expect(page.pushed).toEqual(['/console/']);
    alarm.closeNotifications();
    expect(FakeNotification.all[1].closed).toBe(true);
  });

  it('are all closed at sign-out: they stay until clicked away, and the next user of a shared PC would read them', () => {
    alarm.notify('Possible drowning', 'pond', critical('a'));
    alarm.notify('Possible drowning', 'river', critical('b'));
    expect(FakeNotification.all.map((n) => n.options.requireInteraction)).toEqual([true, true]);
    alarm.closeNotifications();
    expect(FakeNotification.all.map((n) => n.closed)).toEqual([true, true]); // before 2026-12-03: never closed
  });

  it("closes one alert's notification (resolved), the latest it showed; others stay", () => {
    alarm.notify('Possible drowning', 'raised', critical('a'));
    alarm.notify('Possible drowning', 'raised again', critical('a')); // same tag: it replaced the first
    alarm.notify('Possible drowning', 'river', critical('b'));
    alarm.closeNotification('a');
    expect(FakeNotification.all.map((n) => n.closed)).toEqual([false, true, false]);
    alarm.closeNotification('a'); // nothing left to close
    FakeNotification.all[2].close(); // clicked away by the user
    alarm.closeNotifications();
    expect(FakeNotification.all.filter((n) => n.closed)).toHaveLength(2);
  });
});


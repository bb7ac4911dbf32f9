// The burst's notification lowered as others answer what it counts (alarm.ts notifyBurst `update`):
// it changes its text without sounding or popping up again, and never comes back once clicked away.
import type { Alert } from '../../apps/console/src/types';
import { FakeNotification } from './browser-fakes';

// alarm.ts needs the DOM's types (Notification), which the root typecheck (node) lacks: loaded untyped.
type AlarmModule = {
  BURST_TAG: string;
  notifyBurst(title: string, text: string, worst: Alert, count: number, options?: { update?: boolean }): void;
  closeNotification(id: string): void;
};

const g = globalThis as unknown as Record<string, unknown>;
const saved = { Notification: g.Notification, document: g.document };


const offline = (id: string) => ({ id, cameraId: id, cameraName: `Gate ${id}`, rule: 'camera_offline', severity: 'major', state: 'open' }) as Alert;
let alarm: AlarmModule;

beforeEach(() => {
  FakeNotification.all = [];
  g.Notification = FakeNotification;
  g.document = { documentElement: { lang: 'en' } };
  jest.isolateModules(() => (alarm = jest.requireActual('../../apps/console/src/alarm') as AlarmModule));
});
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete g[name];
    else g[name] = value;
  }
});

describe("a burst's notification, updated", () => {
  it('replaces the one on screen with the lower count quietly; a new burst alerts again', () => {
    alarm.notifyBurst('Camera offline', 'no frames', offline('a'), 300);
    alarm.notifyBurst('Camera offline', 'no frames', offline('b'), 120, { update: true });
    alarm.notifyBurst('Camera offline', 'no frames', offline('c'), 310);
    expect(FakeNotification.all.map((n) => [n.title, n.options.tag, n.options.renotify])).toEqual([
      ['300 alerts escalated to your region', alarm.BURST_TAG, true],
      ['120 alerts escalated to your region', alarm.BURST_TAG, false], // before: true — each answer elsewhere popped it up again
      ['310 alerts escalated to your region', alarm.BURST_TAG, true],
    ]);
    alarm.closeNotification(alarm.BURST_TAG);
    expect(FakeNotification.all[2].closed).toBe(true);
  });

  it('shows nothing once the user clicked it away, or it was closed', () => {
    alarm.notifyBurst('Camera offline', 'no frames', offline('a'), 300);
    FakeNotification.all[0].close(); // the user dismissed it (a click on it, which opens the list, closes it too)
    alarm.notifyBurst('Camera offline', 'no frames', offline('b'), 120, { update: true });
    expect(FakeNotification.all).toHaveLength(1); // before: it came back, saying 120
    alarm.notifyBurst('Camera offline', 'no frames', offline('c'), 5);
    alarm.closeNotification(alarm.BURST_TAG);
    alarm.notifyBurst('Camera offline', 'no frames', offline('d'), 4, { update: true });
    expect(FakeNotification.all).toHaveLength(2);
  });
});

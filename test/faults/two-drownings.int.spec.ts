import '../../apps/alerts-api/src/testing/nest-esm';
import type { AlertEvent } from '@xl/contracts';
import { CameraRuleEngine } from '@xl/rules';
import { footBox, Run, T0, testCamera } from '../../libs/rules/src/testing/scene';
import { startTestApp, type TestApp } from '../../apps/alerts-api/src/testing/test-app';
import { DATABASE_KINDS } from '../../apps/alerts-api/src/testing/test-databases';
import { createWorld } from '../../apps/alerts-api/src/testing/world';
import { AlertIntakeService } from '../../apps/alerts-api/src/alerts/alert-intake.service';

// Two children enter the pond a second apart and both go under: the rules' events, stored by the
// intake as the analyzer sends them, must be two drowning alerts — one per child, each at its own
// place. (An attempt to merge repeated entries into the zone's last alert, reverted on 2026-12-03,
// made them one: docs/reviews/2026-12-03-session32-backend.md, finding 1.)
const pond = { id: 'pond', name: 'North pond', type: 'water' as const, polygon: [[0, 0.5], [1, 0.5], [1, 0.7], [0, 0.7]] as [number, number][] };

describe.each(DATABASE_KINDS)('two children gone under in one pond (%s)', (kind) => {
  let t: TestApp;
  let admin: { Authorization: string };
  beforeAll(async () => {
    t = await startTestApp(kind);
    await createWorld(t);
    admin = { Authorization: `Bearer ${await t.token('admin')}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  it('are two drowning alerts, each at its child', async () => {
    const rules = [
      { id: 'enter', type: 'zone_enter', zone: 'pond', severity: 'major' },
      { id: 'vanish', type: 'vanish_in_water', zone: 'pond' },
    ];
    const run = new Run(new CameraRuleEngine(testCamera({ id: 'cam-a', zones: [pond], rules } as never)));
    const left = footBox(0.2, 0.6);
    const right = footBox(0.8, 0.6);
    run.span(T0, T0 + 1000, 500, () => [{ id: 1, box: left }]);
    run.span(T0 + 1000, T0 + 3000, 500, () => [{ id: 1, box: left }, { id: 2, box: right }]);
    run.span(T0 + 3000, T0 + 12_000, 500);
    const drownings = run.of('created', 'vanish_in_water');
    expect(drownings).toHaveLength(2);

    const intake = t.app.get(AlertIntakeService);
    const cam = `${kind}-two`;
    const scoped = (id: string) => `${cam}/${id}`;
    for (const e of run.events) await intake.consume({ ...(e as AlertEvent), alertId: scoped(e.alertId), ...(e.relatedAlertId ? { relatedAlertId: scoped(e.relatedAlertId) } : {}) });

    // Each drowning is stored under its own id or under its own child's entry (which it takes over).
    const stored = new Map<string, number>();
    for (const v of drownings) {
      for (const id of [v.alertId, v.relatedAlertId].filter((x): x is string => x !== undefined)) {
        const r = await t.http.get(`/alerts/${encodeURIComponent(scoped(id))}`).set(admin);
        if (r.status === 200 && r.body.rule === 'vanish_in_water') {
          stored.set(r.body.id, (r.body.boxes[0].box[0] + r.body.boxes[0].box[2]) / 2);
          break;
        }
      }
    }
    expect(stored.size).toBe(2);
    // One at the left child (x ≈ 0.2), one at the right (x ≈ 0.8).
    const [first, second] = [...stored.values()].sort((x, y) => x - y);
    expect(first).toBeCloseTo(0.2, 2);
    expect(second).toBeCloseTo(0.8, 2);
  });
});

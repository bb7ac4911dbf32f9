import '../testing/nest-esm';
import { ForbiddenException } from '@nestjs/common';
import type { Logger } from '@xl/observability';
import type { AlertIntakeService } from '../alerts/alert-intake.service';
import type { ScopeService } from '../auth/scope.service';
import type { CameraStatusService } from '../camera-status/camera-status.service';
import type { Clock } from '../common/clock';
import type { Principal } from '../shared/principal';
import type { ApiTimers } from '../timers/api-timers';
import type { CamerasRepository } from './cameras.repository';
import type { MaintenanceRepository, MaintenanceWindow } from './maintenance.repository';
import { MaintenanceService } from './maintenance.service';

describe('MaintenanceService', () => {
  const now = 1_800_000_000_000;
  let windows: Map<string, MaintenanceWindow>;
  let handler: (data: Record<string, unknown>) => Promise<void>;
  const scheduled: Array<{ name: string; data: Record<string, unknown>; delayMs: number }> = [];
  const ended: string[] = [];

  const service = () => {
    windows = new Map();
    const repo = {
      save: jest.fn(async (w: MaintenanceWindow) => void windows.set(w.cameraId, w)),
      delete: jest.fn(async (id: string) => void windows.delete(id)),
      activeAt: jest.fn(async (id: string, at: number) => (windows.get(id)?.until ?? 0) > at ? windows.get(id) : undefined),
    } as unknown as MaintenanceRepository;
    const cameras = { placement: async (id: string) => (id === 'cam' ? { id, regionId: 'vil', name: null } : undefined) } as unknown as CamerasRepository;
    // Only the write check answers: starting or ending a window must not pass on the read check.
    const scope = {
      assertCameraEditable: async (p: Principal, id: string) => {
        if (p.name === 'op-watching') throw new ForbiddenException(`camera '${id}' is not in your regions`);
      },
    } as unknown as ScopeService;
    const status = { maintenanceEnded: async (id: string) => void ended.push(id) } as unknown as CameraStatusService;
    // The held health alerts are raised after the offline check, in the same order everywhere.
    const intake = { releaseHeld: async (id: string) => (ended.push(`held:${id}`), 0) } as unknown as AlertIntakeService;
    const timers = {
      register: (_name: string, h: typeof handler) => void (handler = h),
      schedule: async (name: string, _id: string, data: Record<string, unknown>, delayMs: number) => void scheduled.push({ name, data, delayMs }),
    } as unknown as ApiTimers;
    const clock = { now: () => now } as Clock;
    const log = { info: () => undefined } as unknown as Logger;
    return new MaintenanceService(repo, cameras, scope, status, intake, timers, clock, log);
  };
  const op = { name: 'op-a', role: 'operator' } as Principal;

  beforeEach(() => {
    scheduled.length = 0;
    ended.length = 0;
  });

  it('stores the window from now and arms its end', async () => {
    const s = service();
    const w = await s.start(op, 'cam', { minutes: 30, note: 'lens' });
    expect(w).toEqual({ cameraId: 'cam', until: now + 30 * 60_000, note: 'lens', setBy: 'op-a', setAt: now });
    expect(scheduled).toEqual([{ name: 'maintenance-end', data: { cameraId: 'cam' }, delayMs: 30 * 60_000 }]);
    await expect(s.start(op, 'gone', { minutes: 30 })).rejects.toThrow("camera 'gone' not found");
  });

  it('at the end of its time, hands the camera back to the offline check and raises what it held, unless a later window holds it', async () => {
    service();
    windows.set('cam', { cameraId: 'cam', until: now + 60_000, note: null, setBy: 'op-a', setAt: now - 1 });
    await handler({ cameraId: 'cam' }); // the timer of an earlier, replaced window
    expect(ended).toEqual([]);
    windows.set('cam', { cameraId: 'cam', until: now, note: null, setBy: 'op-a', setAt: now - 1 });
    await handler({ cameraId: 'cam' });
    expect(ended).toEqual(['cam', 'held:cam']);
    expect(windows.has('cam')).toBe(false);
  });

  it('refuses a caller who may see the camera but not change it, for start and end alike', async () => {
    const s = service();
    const watching = { name: 'op-watching', role: 'operator' } as Principal;
    await expect(s.start(watching, 'cam', { minutes: 30 })).rejects.toBeInstanceOf(ForbiddenException);
    await s.start(op, 'cam', { minutes: 30 });
    await expect(s.end(watching, 'cam')).rejects.toBeInstanceOf(ForbiddenException);
    expect(windows.has('cam')).toBe(true);
    expect(ended).toEqual([]);
  });

  it('ending it by hand checks the camera and raises what it held at once', async () => {
    const s = service();
    await s.start(op, 'cam', { minutes: 30 });
    await s.end(op, 'cam');
    expect(ended).toEqual(['cam', 'held:cam']);
    expect(windows.size).toBe(0);
  });
});

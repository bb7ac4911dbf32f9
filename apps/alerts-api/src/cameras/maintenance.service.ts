import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import type { Logger } from '@xl/observability';
import { AlertIntakeService } from '../alerts/alert-intake.service';
import { ScopeService } from '../auth/scope.service';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { Clock } from '../common/clock';
import { LOGGER } from '../core/tokens';
import type { Principal } from '../shared/principal';
import { ApiTimers, timerJobId } from '../timers/api-timers';
import { CamerasRepository } from './cameras.repository';
import { type MaintenanceWindow, MaintenanceRepository } from './maintenance.repository';

const TIMER = 'maintenance-end';

export const maintenanceBodySchema = z.strictObject({
  minutes: z.number().int().min(5).max(14 * 24 * 60).describe('length of the window from now, in minutes (5 min to 14 days)'),
  note: z.string().trim().min(1).max(500).optional().describe('what is being done; shown on the camera wall and in the log'),
});

/**
 * Maintenance windows: a technician on the pole or a planned power cut. While one lasts the camera's
 * health alerts (offline, frozen, covered, blurred, moved) are held back at intake; its safety rules
 * keep working whenever it delivers pictures. When the window ends, a repair that failed must not stay
 * silent: a camera still offline past the threshold raises camera_offline then, and a picture problem
 * held back that has not ended (a lens left covered, a camera re-aimed) is raised, dated from its start.
 * What a failed end leaves held the camera-status sweep raises (AlertIntakeService.releaseAfterWindows).
 */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly windows: MaintenanceRepository,
    private readonly cameras: CamerasRepository,
    private readonly scope: ScopeService,
    private readonly status: CameraStatusService,
    private readonly intake: AlertIntakeService,
    private readonly timers: ApiTimers,
    private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    timers.register(TIMER, (data) => this.ended(String(data.cameraId)));
  }

  async start(principal: Principal, cameraId: string, body: z.output<typeof maintenanceBodySchema>): Promise<MaintenanceWindow> {
    await this.editable(principal, cameraId);
    const now = this.clock.now();
    const window: MaintenanceWindow = { cameraId, until: now + body.minutes * 60_000, note: body.note ?? null, setBy: principal.name, setAt: now };
    await this.windows.save(window);
    await this.timers.schedule(TIMER, timerJobId('maintenance', cameraId, window.until), { cameraId }, window.until - now);
    this.logger.info({ cameraId, until: window.until, by: principal.name, note: window.note }, 'camera maintenance started');
    return window;
  }

  async end(principal: Principal, cameraId: string): Promise<void> {
    await this.editable(principal, cameraId);
    await this.windows.delete(cameraId);
    this.logger.info({ cameraId, by: principal.name }, 'camera maintenance ended');
    await this.status.maintenanceEnded(cameraId);
    await this.intake.releaseHeld(cameraId);
  }

  /** The timer of a window ran out; a later window set meanwhile keeps the camera in maintenance. */
  private async ended(cameraId: string): Promise<void> {
    if (await this.windows.activeAt(cameraId, this.clock.now())) return;
    await this.windows.delete(cameraId);
    await this.status.maintenanceEnded(cameraId);
    await this.intake.releaseHeld(cameraId);
  }

  /** Holding back a camera's health alerts is a change to it: region holders only (canEditCamera). */
  private async editable(principal: Principal, cameraId: string): Promise<void> {
    const placement = await this.cameras.placement(cameraId);
    if (!placement) throw new NotFoundException(`camera '${cameraId}' not found`);
    await this.scope.assertCameraEditable(principal, cameraId, placement.regionId, `camera '${cameraId}'`);
  }
}

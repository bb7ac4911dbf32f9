import { Module } from '@nestjs/common';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { MaintenanceController } from '../cameras/maintenance.controller';
import { MaintenanceService } from '../cameras/maintenance.service';
import { ApiTimers } from '../timers/api-timers';
import { AlertBulkService } from './alert-bulk.service';
import { AlertIntakeService } from './alert-intake.service';
import { AlertIntakeWorker } from './alert-intake.worker';
import { AlertNotifier } from './alert-notifier';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { EscalationService } from './escalation.service';

/** Alert intake, lifecycle, escalation, camera status and maintenance windows: everything that moves an alert. */
@Module({
  controllers: [AlertsController, MaintenanceController],
  providers: [ApiTimers, AlertNotifier, EscalationService, AlertIntakeService, AlertIntakeWorker, AlertsService, AlertBulkService, CameraStatusService, MaintenanceService],
  exports: [AlertsService, AlertIntakeService, CameraStatusService, AlertIntakeWorker],
})
export class AlertsModule {}

import { Module } from '@nestjs/common';
import { CameraStatusService } from '../camera-status/camera-status.service';
import { ApiTimers } from '../timers/api-timers';
import { AlertIntakeService } from './alert-intake.service';
import { AlertIntakeWorker } from './alert-intake.worker';
import { AlertNotifier } from './alert-notifier';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { EscalationService } from './escalation.service';

/** Alert intake, lifecycle, escalation and camera status: everything that moves an alert. */
@Module({
  controllers: [AlertsController],
  providers: [ApiTimers, AlertNotifier, EscalationService, AlertIntakeService, AlertIntakeWorker, AlertsService, CameraStatusService],
  exports: [AlertsService, AlertIntakeService, CameraStatusService, AlertIntakeWorker],
})
export class AlertsModule {}

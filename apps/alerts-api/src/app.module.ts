import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { InProcessEventsModule } from './alerts/events.module';
import { AuthModule } from './auth/auth.module';
import { ConsoleModule } from './console/console.module';
import { CoreModule, type CoreResources } from './core/core.module';
import { DataModule } from './data.module';
import { BackupModule } from './backup/backup.module';
import type { BackupOptions } from './backup/backup.options';
import { EvidenceModule } from './evidence/evidence.module';
import type { EvidenceOptions } from './evidence/evidence.options';
import { HealthController } from './health/health.controller';
import { LiveViewModule } from './live-view/live-view.module';
import { PushModule } from './realtime/push.module';
import { ReportsModule } from './reports/reports.module';

export type PushOptions = Parameters<typeof PushModule.forRoot>[0];

export interface AppModuleOptions {
  /**
   * Options of the WebSocket push, webhooks and MQTT (PushModule); `false` binds the in-process
   * EventPublisher instead (no fan-out: tools and tests that need no push).
   */
  push?: PushOptions | false;
  /** Evidence settings; default: the EVIDENCE_* environment. */
  evidence?: EvidenceOptions;
  /** Database backup settings; default: the BACKUP_* environment. */
  backup?: BackupOptions;
}

@Module({})
export class AppModule {
  static forRoot(resources: CoreResources, options: AppModuleOptions = {}): DynamicModule {
    const push = options.push === false ? InProcessEventsModule : PushModule.forRoot(options.push ?? {});
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(resources), DataModule, AuthModule, push, AdminModule, EvidenceModule.forRoot(options.evidence), BackupModule.forRoot(options.backup), AlertsModule, ReportsModule, LiveViewModule.forRoot(), ConsoleModule],
      controllers: [HealthController],
    };
  }
}

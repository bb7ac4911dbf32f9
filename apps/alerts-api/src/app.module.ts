import { type DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { InProcessEventsModule } from './alerts/events.module';
import { AuthModule } from './auth/auth.module';
import { CoreModule, type CoreResources } from './core/core.module';
import { DataModule } from './data.module';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forRoot(resources: CoreResources): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(resources), DataModule, AuthModule, InProcessEventsModule, AdminModule, AlertsModule],
      controllers: [HealthController],
    };
  }
}

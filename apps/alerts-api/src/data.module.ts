import { Global, Module, type Provider } from '@nestjs/common';
import type { Kysely } from 'kysely';
import { AlertSnapshotsRepository } from './alerts/alert-snapshots.repository';
import { AlertsRepository } from './alerts/alerts.repository';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { CameraStatusRepository } from './camera-status/camera-status.repository';
import { CamerasRepository } from './cameras/cameras.repository';
import { HeldHealthAlertsRepository } from './cameras/held-health-alerts.repository';
import { MaintenanceRepository } from './cameras/maintenance.repository';
import { ScopeInputValidator } from './common/scope-input';
import { KYSELY } from './core/tokens';
import type { Database } from './db/schema';
import { WebhooksRepository } from './outbound/webhooks.repository';
import { RegionsRepository } from './regions/regions.repository';
import { UsersRepository } from './users/users.repository';

// Webhook subscriptions are read by the admin side too (a school siren's water must not disappear
// from under it), whether or not this instance runs the outbound module.
const webhooksRepository: Provider = {
  provide: WebhooksRepository,
  useFactory: (db: Kysely<Database>) => new WebhooksRepository(db),
  inject: [KYSELY],
};
const repositories = [RegionsRepository, CamerasRepository, UsersRepository, ApiKeysRepository, AlertsRepository, AlertSnapshotsRepository, CameraStatusRepository, MaintenanceRepository, HeldHealthAlertsRepository, ScopeInputValidator, webhooksRepository];

/** Every repository (the only code that talks to the database), for every module. */
@Global()
@Module({ providers: repositories, exports: repositories })
export class DataModule {}

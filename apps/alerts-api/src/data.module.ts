import { Global, Module } from '@nestjs/common';
import { AlertSnapshotsRepository } from './alerts/alert-snapshots.repository';
import { AlertsRepository } from './alerts/alerts.repository';
import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { CameraStatusRepository } from './camera-status/camera-status.repository';
import { CamerasRepository } from './cameras/cameras.repository';
import { MaintenanceRepository } from './cameras/maintenance.repository';
import { ScopeInputValidator } from './common/scope-input';
import { RegionsRepository } from './regions/regions.repository';
import { UsersRepository } from './users/users.repository';

const repositories = [RegionsRepository, CamerasRepository, UsersRepository, ApiKeysRepository, AlertsRepository, AlertSnapshotsRepository, CameraStatusRepository, MaintenanceRepository, ScopeInputValidator];

/** Every repository (the only code that talks to the database), for every module. */
@Global()
@Module({ providers: repositories, exports: repositories })
export class DataModule {}

import { Module } from '@nestjs/common';
import { ApiKeysController, ApiKeysService } from './api-keys/api-keys.controller';
import { AnalysisMarksRepository } from './cameras/analysis-marks.repository';
import { StreamDelayMarksRepository } from './cameras/stream-delay-marks.repository';
import { CamerasController } from './cameras/cameras.controller';
import { CamerasService } from './cameras/cameras.service';
import { ModelLabelsRepository } from './cameras/model-labels.repository';
import { NearbyCamerasService } from './cameras/nearby-cameras';
import { SchoolWatch } from './cameras/school-watch';
import { UnanalysedCamerasMetric } from './cameras/unanalysed-metric';
import { ConfigPublisher } from './config-publish/config-publisher';
import { RegionsController } from './regions/regions.controller';
import { RegionsService } from './regions/regions.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** Regions, cameras (+ zones/rules, published to the workers), users and API keys. */
@Module({
  controllers: [RegionsController, CamerasController, UsersController, ApiKeysController],
  providers: [RegionsService, CamerasService, ModelLabelsRepository, NearbyCamerasService, SchoolWatch, AnalysisMarksRepository, StreamDelayMarksRepository, UnanalysedCamerasMetric, ConfigPublisher, UsersService, ApiKeysService],
  exports: [ConfigPublisher, RegionsService, CamerasService, UsersService],
})
export class AdminModule {}

import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../core/tokens';
import { CameraPicturesController } from './camera-pictures.controller';
import { LiveAvailabilityController } from './live-availability.controller';
import { AnalysisStreams } from './analysis-streams';
import { CameraPicturesService } from './camera-pictures.service';
import { FfmpegFrameGrabber, FrameGrabber } from './frame-grabber';
import { LatestFrameStore } from './latest-frame.store';
import { LiveSourceLauncher, Mpeg1MuxerLauncher } from './live-source';
import { LiveViewService } from './live-view.service';
import { LiveViewMetrics } from './live-view.metrics';
import { LIVE_VIEW_OPTIONS, type LiveViewOptionsInput, resolveLiveViewOptions } from './live-view.options';

/** Camera pictures for the console: GET /cameras/:id/frame, the live view WebSocket /live/:id and GET /cameras/:id/live (would it be let in). */
@Module({})
export class LiveViewModule {
  static forRoot(options: LiveViewOptionsInput = {}): DynamicModule {
    return {
      module: LiveViewModule,
      controllers: [CameraPicturesController, LiveAvailabilityController],
      providers: [
        { provide: LIVE_VIEW_OPTIONS, useFactory: () => resolveLiveViewOptions(options) },
        { provide: LiveViewMetrics, inject: [METRICS_REGISTRY], useFactory: (registry: Registry) => new LiveViewMetrics(registry) },
        { provide: LiveSourceLauncher, useValue: new Mpeg1MuxerLauncher() },
        { provide: FrameGrabber, useValue: new FfmpegFrameGrabber() },
        LatestFrameStore,
        AnalysisStreams,
        CameraPicturesService,
        LiveViewService,
      ],
      exports: [LiveViewService],
    };
  }
}

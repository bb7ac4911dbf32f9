import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import { CAMERA_STATUS_STREAM } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import type { RedisClient } from '@xl/queue';
import { LOGGER, REDIS } from '../core/tokens';
import { SETTINGS, type Settings } from '../settings';
import { CredentialVerifier } from '../shared/principal';
import { CameraPicturesService } from './camera-pictures.service';
import { IngestStatusFollower } from './ingest-status.follower';
import { LiveSourceLauncher } from './live-source';
import { LiveViewHub } from './live-view-hub';
import { LiveViewServer } from './live-view-server';
import { LiveViewMetrics } from './live-view.metrics';
import { LIVE_VIEW_OPTIONS, type LiveViewOptions } from './live-view.options';

/** Owns this instance's live view: the transcoder hub and the WebSocket endpoint on the app's HTTP server. */
@Injectable()
export class LiveViewService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly hub: LiveViewHub;
  private readonly server: LiveViewServer;
  private readonly logger: Logger;
  /** Analysis goes first: a camera that refuses ingest's reader as busy gets this instance's live stream back. */
  private readonly analysisStatus: IngestStatusFollower;

  constructor(
    @Inject(LIVE_VIEW_OPTIONS) private readonly options: LiveViewOptions,
    @Inject(LOGGER) logger: Logger,
    launcher: LiveSourceLauncher,
    metrics: LiveViewMetrics,
    verifier: CredentialVerifier,
    cameras: CameraPicturesService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(REDIS) redis: RedisClient,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.logger = logger.child({ module: 'live-view' });
    this.hub = new LiveViewHub(launcher, options, metrics, this.logger);
    this.analysisStatus = new IngestStatusFollower(redis, `${settings.redisKeyPrefix}${CAMERA_STATUS_STREAM}`, (event) => {
      if (event.status === 'offline' && event.reason === 'busy') this.hub.analysisRefusedBusy(event.cameraId);
      else this.hub.analysisFlowing(event.cameraId);
    }, this.logger);
    this.server = new LiveViewServer({ hub: this.hub, verifier, cameras, path: options.path, reverifyMs: 60_000, logger: this.logger });
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return; // an application context (seed): nothing to serve
    this.server.attach(server);
    if (this.options.maxStreams > 0) this.analysisStatus.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.analysisStatus.stop();
    await this.server.close();
  }
}

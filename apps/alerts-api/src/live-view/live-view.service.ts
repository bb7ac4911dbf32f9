import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server } from 'node:http';
import type { Logger } from '@xl/observability';
import { LOGGER } from '../core/tokens';
import { CredentialVerifier, type Principal } from '../shared/principal';
import { PrincipalChanges } from '../shared/principal-changes';
import { CameraPicturesService } from './camera-pictures.service';
import { AnalysisStreams } from './analysis-streams';
import { LiveSourceLauncher } from './live-source';
import { LiveViewHub } from './live-view-hub';
import { type LiveAdmission, LiveViewServer } from './live-view-server';
import { LiveViewMetrics } from './live-view.metrics';
import { LIVE_VIEW_OPTIONS, type LiveViewOptions } from './live-view.options';

/** Owns this instance's live view: the transcoder hub and the WebSocket endpoint on the app's HTTP server. */
@Injectable()
export class LiveViewService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly hub: LiveViewHub;
  private readonly server: LiveViewServer;
  private readonly logger: Logger;

  constructor(
    @Inject(LIVE_VIEW_OPTIONS) private readonly options: LiveViewOptions,
    @Inject(LOGGER) logger: Logger,
    launcher: LiveSourceLauncher,
    metrics: LiveViewMetrics,
    verifier: CredentialVerifier,
    cameras: CameraPicturesService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly analysis: AnalysisStreams,
    /** Absent without WebSocket push (RealtimeModule): viewers are then re-checked only every recheckMs. */
    @Optional() private readonly changes?: PrincipalChanges,
  ) {
    this.logger = logger.child({ module: 'live-view' });
    this.hub = new LiveViewHub(launcher, options, metrics, this.logger, analysis);
    analysis.onRefused((cameraId) => this.hub.giveBackForAnalysis(cameraId));
    this.server = new LiveViewServer({ hub: this.hub, verifier, cameras, path: options.path, reverifyMs: options.recheckMs, pingMs: options.pingMs, logger: this.logger });
  }

  /** Whether `principal` could watch `cameraId` live on this instance now (LiveViewServer.admission). */
  admission(principal: Principal, cameraId: string): Promise<LiveAdmission> {
    return this.server.admission(principal, cameraId);
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server) return; // an application context (seed): nothing to serve
    this.server.attach(server);
    this.analysis.start();
    // A user disabled, a key revoked, a camera taken out of a scope, on any instance: the viewers it
    // concerns here are checked at once, as its /ws connections are, not up to recheckMs later.
    await this.changes?.listen((changed) => this.server.recheckPrincipal(changed));
  }

  async onModuleDestroy(): Promise<void> {
    await this.server.close();
  }
}

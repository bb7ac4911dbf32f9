import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createLogger, registerDiskSpace, type Logger } from '@xl/observability';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AppModule, type PushOptions } from './app.module';
import { ensureAdmin } from './bootstrap-admin';
import type { BackupOptions } from './backup/backup.options';
import { loadEvidenceOptions, type EvidenceOptions } from './evidence/evidence.options';
import type { Clock } from './common/clock';
import { PinoNestLogger } from './core/nest-logger';
import { migrateToLatest, openDatabase } from './db/database';
import type { Settings } from './settings';

export interface CreateAppOptions {
  logger?: Logger;
  registry?: Registry;
  clock?: Clock;
  /** Serve OpenAPI at /docs (default true). */
  docs?: boolean;
  /** WebSocket push / webhooks / MQTT options; false: in-process publisher only (seed). */
  push?: PushOptions | false;
  /** Evidence settings; default: the EVIDENCE_* environment. */
  evidence?: EvidenceOptions;
  /** Database backup settings (default: BACKUP_* from the environment). */
  backup?: BackupOptions;
}

/**
 * Builds the alerts-api application: opens the database and applies migrations, creates the
 * bootstrap admin, wires the Nest modules and OpenAPI. The caller starts it (`app.listen` in
 * main.ts, `app.init` in tests) and stops it with `app.close()`, which stops the workers and
 * closes the database and Redis connections.
 */
export async function createApp(settings: Settings, options: CreateAppOptions = {}): Promise<INestApplication> {
  const logger = options.logger ?? createLogger('alerts-api', settings.logLevel);
  if (settings.trustProxy === true) {
    logger.warn("TRUST_PROXY=true takes a client's address from the left-most X-Forwarded-For entry, which the client writes: the login limits can be sidestepped. Set the proxy hop count (1) or the proxy's address instead");
  }
  if (settings.jwtSecretGenerated) logger.warn('JWT_SECRET is not set: using a random secret; tokens end with this process and are not shared between instances');
  const database = openDatabase(settings.databaseUrl, (err) => logger.warn({ err: err.message }, 'an idle database connection failed; the pool replaces it'));
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) logger.info({ migrations: applied.map((m) => m.migrationName), database: database.kind }, 'database migrated');
    if (settings.admin && (await ensureAdmin(database.db, settings.admin))) logger.info({ username: settings.admin.username }, 'bootstrap admin created');
    const registry = options.registry ?? new Registry();
    if (!options.registry) {
      collectDefaultMetrics({ register: registry });
      registerDiskSpace(registry, { snapshots: settings.snapshotDir, evidence: (options.evidence ?? loadEvidenceOptions(process.env)).EVIDENCE_DIR });
    }
    const app = await NestFactory.create(AppModule.forRoot({ settings, database, logger, registry, clock: options.clock }, { push: options.push, evidence: options.evidence, backup: options.backup }), {
      logger: new PinoNestLogger(logger),
      abortOnError: false,
    });
    (app.getHttpAdapter().getInstance() as { set(name: string, value: unknown): void }).set('trust proxy', settings.trustProxy);
    (app.getHttpAdapter().getInstance() as { disable(name: string): void }).disable('x-powered-by'); // no "X-Powered-By: Express" to fingerprint
    if (options.docs !== false) {
      const config = new DocumentBuilder()
        .setTitle('Xueliang alerts API')
        .setDescription('Alerts, lifecycle and escalation, regions, cameras (zones and rules), users and API keys. See docs/api.md.')
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'JWT from POST /auth/login, or an API key xlk_…' })
        .build();
      SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
    }
    return app;
  } catch (err) {
    await database.close();
    throw err;
  }
}

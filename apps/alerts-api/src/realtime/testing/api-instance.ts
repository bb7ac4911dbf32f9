import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createLogger } from '@xl/observability';
import { AppModule } from '../../app.module';
import { InProcessEventsModule } from '../../alerts/events.module';
import { openDatabase } from '../../db/database';
import type { Settings } from '../../settings';
import type { TestApp } from '../../testing/test-app';
import { PushModule } from '../push.module';

export interface ApiInstance {
  app: INestApplication;
  registry: Registry;
  /** ws://127.0.0.1:PORT/ws */
  wsUrl: string;
  /** What the core's test world (createWorld) needs: supertest and cached logins. */
  world: Pick<TestApp, 'http' | 'token'>;
  close(): Promise<void>;
}

/**
 * One alerts-api instance: the real AppModule with PushModule in place of the in-process
 * publisher (what AppModule will import), listening on 127.0.0.1. Instances started with the same
 * settings share the database file, Redis and JWT secret like a deployment. The database must be
 * migrated, with its admin, beforehand (createApp's job, done once for all instances).
 */
export async function startApiInstance(
  settings: Settings,
  push: Parameters<typeof PushModule.forRoot>[0],
  adminPassword: string,
): Promise<ApiInstance> {
  const database = openDatabase(settings.databaseUrl);
  const registry = new Registry();
  const logger = createLogger('test.alerts-api', process.env.LOG_LEVEL ?? 'silent');
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ settings, database, logger, registry })],
  })
    .overrideModule(InProcessEventsModule)
    .useModule(PushModule.forRoot(push))
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const http = request(app.getHttpServer());
  const tokens = new Map<string, string>();
  return {
    app,
    registry,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    world: {
      http,
      async token(username, password) {
        if (!tokens.has(username)) {
          const res = await http
            .post('/auth/login')
            .send({ username, password: password ?? (username === 'admin' ? adminPassword : `${username}-password`) });
          if (res.status !== 200) throw new Error(`login of ${username}: ${res.status} ${JSON.stringify(res.body)}`);
          tokens.set(username, res.body.accessToken as string);
        }
        return tokens.get(username) as string;
      },
    },
    close: () => app.close(),
  };
}

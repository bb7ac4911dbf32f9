import type { INestApplication } from '@nestjs/common';
import { Registry } from 'prom-client';
import request from 'supertest';
import { createLogger } from '@xl/observability';
import { createApp } from '../../app.factory';
import type { PushOptions } from '../../app.module';
import type { Settings } from '../../settings';
import type { TestApp } from '../../testing/test-app';

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
 * One alerts-api built by createApp, listening on 127.0.0.1. Instances started (one after the
 * other) with the same settings share the database file, Redis and JWT secret like a deployment.
 */
export async function startApiInstance(
  settings: Settings,
  push: PushOptions,
  adminPassword: string,
): Promise<ApiInstance> {
  const registry = new Registry();
  const logger = createLogger('test.alerts-api', process.env.LOG_LEVEL ?? 'silent');
  const app = await createApp(settings, { registry, logger, docs: false, push });
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
          const secret = password ?? (username === 'admin' ? adminPassword : `${username}-password`);
          const res = await http.post('/auth/login').send({ username, password: secret });
          if (res.status !== 200) throw new Error(`login of ${username}: ${res.status} ${JSON.stringify(res.body)}`);
          tokens.set(username, res.body.accessToken as string);
        }
        return tokens.get(username) as string;
      },
    },
    close: () => app.close(),
  };
}

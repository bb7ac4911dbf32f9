import '../testing/nest-esm';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { openDatabase } from './database';

describe('PostgreSQL pool limits', () => {
  it('gives up on a database that never answers within seconds instead of waiting for ever', async () => {
    // Accepts and then says nothing, never resets: what a hung server or a partition looks like to pg.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const handle = openDatabase(`postgres://xl@127.0.0.1:${(silent.address() as AddressInfo).port}/xueliang`);
    try {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const verdict = await Promise.race([
        sql`select 1`.execute(handle.db).then(
          () => 'answered',
          (err: Error) => `failed: ${err.message}`,
        ),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting after 10 s'), 10_000))),
      ]).finally(() => clearTimeout(timer));
      expect(verdict).toMatch(/^failed: .*timeout/i);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await handle.close().catch(() => undefined);
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 20_000);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRedisServer, type RedisServer } from './redis-server';
import { childPids, cmdline, isAlive } from './proc';

describe('startRedisServer', () => {
  const started: RedisServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of started.splice(0)) await s.kill();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'redis-server-'));
    dirs.push(d);
    return d;
  };
  // redis-server rewrites its title to `redis-server 127.0.0.1:<port>`: argv[0] is not its name alone.
  const ourRedisServers = () => childPids(process.pid).filter((p) => isAlive(p) && /^(\S*\/)?redis-server\b/.test(cmdline(p)?.[0] ?? ''));

  it("refuses to start when its port answers with another test's Redis, instead of handing that one out", async () => {
    const other = await startRedisServer({ dir: dir(), appendOnly: false }); // another worker's private Redis
    started.push(other);
    // This test's server, restarted on its port after the other took it (or given the port explicitly).
    const outcome = await startRedisServer({ dir: dir(), port: other.port, appendOnly: false }).then(
      (mine) => {
        started.push(mine);
        return `resolved; own pid ${mine.pid} alive: ${mine.pid !== null && isAlive(mine.pid)}`;
      },
      (err: Error) => err.message,
    );
    expect(outcome).toMatch(new RegExp(`port ${other.port} is taken|port ${other.port} exited`)); // before 2026-12-03: resolved
    expect(ourRedisServers()).toEqual([other.pid]);
  });

  it('stops the server it spawned when it never answers PING in time', async () => {
    // A password makes PING answer NOAUTH: as good as a server still loading its AOF.
    const outcome = await startRedisServer({ dir: dir(), appendOnly: false, extraArgs: ['--requirepass', 'x'], startTimeoutMs: 1000 }).then(
      (s) => {
        started.push(s);
        return 'resolved';
      },
      (err: Error) => err.message,
    );
    expect(outcome).toMatch(/did not answer PING within 1000 ms/);
    expect(ourRedisServers()).toEqual([]); // before 2026-12-03: left running, with no handle to stop it
  });
});

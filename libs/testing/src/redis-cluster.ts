// A private Redis Cluster for the tests that run the pipeline on one: a few redis-server processes in
// cluster mode, each master with `replicas` replicas (default none), joined and with every slot
// assigned by `redis-cli --cluster create`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePort } from './processes';
import { type RedisServer, startRedisServer } from './redis-server';

const run = promisify(execFile);

export interface RedisCluster {
  /** `host:port` of every node (what REDIS_CLUSTER_NODES takes). */
  readonly nodes: string[];
  /** A URL of one node (credentials and scheme for the apps; the nodes list finds the rest). */
  readonly url: string;
  readonly servers: RedisServer[];
  /** The running master that serves `key`'s slot now (after a failover: the promoted replica). */
  masterOf(key: string): Promise<RedisServer>;
  /**
   * The running master serving `key`'s slot once there is one (after its master was killed: once the
   * replica has been promoted, which takes the node timeout of 2 s and an election); throws after `timeoutMs`.
   */
  waitForMaster(key: string, timeoutMs?: number): Promise<RedisServer>;
  stop(): Promise<void>;
}

/** A port whose cluster bus port (port + 10000) is a valid port too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 <= 65_535) return port;
  }
}

/** Starts `count` (default 3) masters (and `replicas` replicas of each) in `dir`; resolves when the cluster reports state ok. */
export async function startRedisCluster(dir: string, count = 3, options: { replicas?: number } = {}): Promise<RedisCluster> {
  const replicas = options.replicas ?? 0;
  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.kill()));
  };
  try {
    for (let i = 0; i < count * (1 + replicas); i++) {
      const port = await clusterPort();
      const extraArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
      servers.push(await startRedisServer({ dir, port, appendOnly: false, extraArgs }));
    }
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    const running = () => servers.filter((s) => s.pid !== null);
    const waitUntilOk = async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(running().map((s) => s.command('CLUSTER', 'INFO').catch(() => '')));
        if (states.every((info) => info.includes('cluster_state:ok'))) return;
        if (Date.now() > deadline) throw new Error(`Redis cluster on ${nodes.join(', ')} not ok within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const masterOf = async (key: string) => {
      const [any] = running();
      const slot = Number((await any.command('CLUSTER', 'KEYSLOT', key)).slice(1));
      // CLUSTER NODES: "<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot ranges…>"
      const table = await any.command('CLUSTER', 'NODES');
      for (const line of table.split('\n')) {
        const [, address, flags, , , , , , ...ranges] = line.trim().split(' ');
        if (!flags?.split(',').includes('master') || flags.includes('fail')) continue;
        const owns = ranges.some((range) => {
          const [from, to] = range.split('-').map(Number);
          return slot >= from && slot <= (to ?? from);
        });
        const server = owns ? running().find((s) => address.startsWith(`127.0.0.1:${s.port}@`)) : undefined;
        if (server) return server;
      }
      throw new Error(`no running master serves slot ${slot} of '${key}' (CLUSTER NODES of port ${any.port}: ${JSON.stringify(table)})`);
    };
    const waitForMaster = async (key: string, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        try {
          return await masterOf(key);
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    await waitUntilOk();
    return { nodes, url: servers[0].url, servers, masterOf, waitForMaster, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// A private Redis Cluster for the tests that run the pipeline on one: a few redis-server processes in
// cluster mode (no replicas), joined and with every slot assigned by `redis-cli --cluster create`.
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
  stop(): Promise<void>;
}

/** A port whose cluster bus port (port + 10000) is a valid port too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 <= 65_535) return port;
  }
}

/** Starts `count` (default 3) masters in `dir` and resolves when the cluster reports state ok. */
export async function startRedisCluster(dir: string, count = 3): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.kill()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await clusterPort();
      const extraArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
      servers.push(await startRedisServer({ dir, port, appendOnly: false, extraArgs }));
    }
    const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const states = await Promise.all(servers.map((s) => s.command('CLUSTER', 'INFO').catch(() => '')));
      if (states.every((info) => info.includes('cluster_state:ok'))) break;
      if (Date.now() > deadline) throw new Error(`Redis cluster on ${nodes.join(', ')} not ok within 20 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { nodes, url: servers[0].url, servers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

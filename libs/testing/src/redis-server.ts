// A private redis-server for fault tests and the soak: one a test may SIGKILL and restart without
// touching the machine's shared Redis. It persists like docker/compose runs it (AOF, fsync every
// second), so a restart shows what production would keep and lose.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './processes';

export interface RedisServerOptions {
  /** Data directory (appendonly files); must exist. */
  dir: string;
  /** Default: a free port. */
  port?: number;
  /** AOF with appendfsync everysec (default true); false: no persistence at all. */
  appendOnly?: boolean;
  /** More redis-server arguments (e.g. cluster mode). */
  extraArgs?: string[];
  /** How long a start waits for PING (default 10 s; an AOF load on a slow box takes a while). */
  startTimeoutMs?: number;
}

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** Pid of the running server (null while it is down). */
  readonly pid: number | null;
  /** SIGKILL: no shutdown save, connections reset; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory; resolves when it answers PING. */
  start(): Promise<void>;
  /** One command through redis-cli's wire format, e.g. `command('DBSIZE')`; the raw reply line. */
  command(...args: string[]): Promise<string>;
}

/** Starts redis-server and resolves when it answers PING. */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const persistence = options.appendOnly === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'everysec'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', options.dir, '--save', '', '--protected-mode', 'no', ...persistence, ...(options.extraArgs ?? [])];
  let child: ChildProcess | null = null;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? null;
    },
    async kill() {
      const c = child;
      child = null;
      if (c) await killChild(c);
    },
    async start() {
      if (child) throw new Error(`redis-server on port ${port} is already running`);
      child = spawn('redis-server', args, { stdio: 'ignore' });
      const started = child;
      try {
        await answersAsOwn(port, started, server.command, options.startTimeoutMs ?? 10_000);
      } catch (err) {
        // Never leave a server behind that no handle reaches (the caller gets none on a failed start).
        child = null;
        await killChild(started);
        throw err;
      }
    },
    command: (...words) => rawCommand(port, words),
  };
  await server.start();
  return server;
}

/**
 * Resolves once `started` answers PING on `port`. Another process may answer there (a port handed
 * out again by freePort() to another jest worker between a kill() and a start()): its PONG proves
 * nothing, and our server exits with "address in use" a moment later. So the answering server's
 * process_id must be our child's.
 */
async function answersAsOwn(port: number, started: ChildProcess, command: RedisServer['command'], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started.exitCode !== null || started.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited with ${started.exitCode ?? started.signalCode} (is the port taken?)`);
    }
    if ((await command('PING').catch(() => '')) === '+PONG') {
      const info = await command('INFO', 'server').catch(() => '');
      const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
      if (pid === started.pid) return;
      throw new Error(`port ${port} is taken by another process (redis-server pid ${Number.isNaN(pid) ? 'unknown' : pid} answers there, ours is ${started.pid})`);
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILL; resolves once the process is gone (at once when it already is). */
async function killChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

/** Sends one command on a fresh connection; resolves to the first reply line (or the bulk string). */
function rawCommand(port: number, words: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('redis command timed out')));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      const head = reply.slice(0, end);
      if (head[0] === '$') {
        const length = Number(head.slice(1));
        if (length < 0) return finish(head);
        if (reply.length < end + 2 + length + 2) return;
        return finish(reply.slice(end + 2, end + 2 + length));
      }
      finish(head);
    });
    const finish = (value: string) => {
      socket.destroy();
      resolve(value);
    };
    socket.write(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`);
  });
}

import { z } from 'zod';
import { HEAD_CHECK_MS } from './event-feed';

/** Options of the WebSocket push and its Redis event log. Every field has a default and bounds. */
export const realtimeOptionsSchema = z.strictObject({
  redisUrl: z
    .string()
    .min(1)
    .default('redis://127.0.0.1:6379')
    .describe('Redis shared by every API instance (REDIS_URL)'),
  keyPrefix: z
    .string()
    .min(1)
    .max(128)
    .default('xl:push')
    .describe(
      'prefix of the sequence counter, backlog stream and pub/sub channel; one {hash tag} keeps them on one Redis Cluster shard',
    ),
  backlogMaxLen: z
    .number()
    .int()
    .min(10)
    .max(1_000_000)
    .default(10_000)
    .describe(
      'events kept in the backlog stream (XADD MAXLEN =); a client resuming from further back gets resync_required',
    ),
  path: z
    .string()
    .regex(/^\/[\w/-]*$/)
    .default('/ws')
    .describe('HTTP path of the WebSocket endpoint'),
  heartbeatMs: z
    .number()
    .int()
    .min(50)
    .max(300_000)
    .default(15_000)
    .describe('ping interval; a client that has not answered the last 2 pings is terminated'),
  headCheckMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(HEAD_CHECK_MS)
    .describe(
      "how often each instance's feed compares the log's counter with what it handed on and fills the gap: bounds how long an event pub/sub lost without a reconnect (Redis Cluster) waits; one GET each",
    ),
  maxBufferedBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('bytes the socket may hold unsent before further messages wait in the per-client queue'),
  maxQueuedMessages: z
    .number()
    .int()
    .min(10)
    .max(100_000)
    .default(1000)
    .describe('messages waiting per client while its socket is full; one more closes it with 4008 (slow consumer)'),
  replayPageSize: z
    .number()
    .int()
    .min(1)
    .max(5000)
    .default(200)
    .describe('backlog entries read per XRANGE during a replay'),
  authTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(5000)
    .describe('time a handshake may take to verify its credential'),
  reverifyMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(60_000)
    .describe(
      'an open connection re-checks its credential this often: a disabled user or revoked key is closed (4401), a changed scope applies',
    ),
  maxConnections: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe(
      'open push connections this instance holds at most; a handshake beyond it is refused with 503 (the client retries, and a load balancer may send it to another instance). Each may hold maxBufferedBytes unsent plus maxQueuedMessages',
    ),
  maxConnectionsPerPrincipal: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(100)
    .describe(
      "open push connections one user or API key holds on this instance at most; one beyond it is refused with 429: a leaked API key or a runaway script cannot take an instance's memory from everyone else's screens",
    ),
});

export type RealtimeOptions = z.infer<typeof realtimeOptionsSchema>;
export type RealtimeOptionsInput = z.input<typeof realtimeOptionsSchema>;

/** Options from the environment (REDIS_URL, XL_PUSH_*, XL_WS_*), overridden by explicit ones. */
export function resolveRealtimeOptions(
  explicit: RealtimeOptionsInput = {},
  env: NodeJS.ProcessEnv = process.env,
): RealtimeOptions {
  const options = resolveOptions(realtimeOptionsSchema, 'realtime', explicit, env, {
    REDIS_URL: ['redisUrl'],
    XL_PUSH_BACKLOG: ['backlogMaxLen', Number],
    XL_WS_HEARTBEAT_MS: ['heartbeatMs', Number],
    XL_PUSH_HEAD_CHECK_MS: ['headCheckMs', Number],
    XL_WS_MAX_CONNECTIONS: ['maxConnections', Number],
    XL_WS_MAX_CONNECTIONS_PER_PRINCIPAL: ['maxConnectionsPerPrincipal', Number],
  });
  if (options.maxQueuedMessages < options.replayPageSize) {
    throw new Error(
      `invalid realtime options: maxQueuedMessages ${options.maxQueuedMessages} must be >= replayPageSize ${options.replayPageSize}`,
    );
  }
  return options;
}

/** Environment variable → option name (and a conversion of its text). */
export type EnvOptionMap = Record<string, [option: string, convert?: (raw: string) => unknown]>;

/**
 * Explicit options over the environment's over the defaults; one error names every bad field and
 * its bound (a non-numeric variable fails as "expected number" on its option).
 */
export function resolveOptions<S extends z.ZodType>(
  schema: S,
  what: string,
  explicit: object,
  env: NodeJS.ProcessEnv,
  envMap: EnvOptionMap,
): z.output<S> {
  const fromEnv: Record<string, unknown> = {};
  for (const [name, [option, convert]] of Object.entries(envMap)) {
    const raw = env[name];
    if (raw) fromEnv[option] = convert ? convert(raw) : raw;
  }
  const parsed = schema.safeParse({ ...fromEnv, ...explicit });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid ${what} options: ${problems.join('; ')}`);
}

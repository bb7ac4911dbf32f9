import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { clusterSettingsProblem, isValidTimeZone, redisClusterNodesSetting } from '@xl/config';
import type { Severity } from '@xl/contracts';
import { defaultScryptLog2N, MAX_SCRYPT_LOG2_N, MIN_SCRYPT_LOG2_N } from './auth/passwords';

// Every option of alerts-api, read from the environment. The schema is the manual (docs/api.md
// repeats it): each entry has a description, a default and bounds. A bad value stops the process
// with a message naming the variable and the bound.

/** Repository root from this file's place (apps/alerts-api/src, or its twin under dist/). */
const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../..' : '../../..');

const seconds = (def: number, max: number, what: string) =>
  z.coerce.number().min(0).max(max).default(def).describe(what);

export const settingsEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port (0 picks a free one)'),
  HOST: z.string().default('0.0.0.0').describe('address to bind'),
  DATABASE_URL: z
    .string()
    .default('sqlite:var/xueliang.db')
    .describe("sqlite:PATH, sqlite:///ABS/PATH, sqlite::memory: or postgres://user@host:port/db"),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379').describe('Redis for queues, configuration and the status stream'),
  REDIS_CLUSTER_NODES: redisClusterNodesSetting,
  KEY_PREFIX: z
    .string()
    .max(100)
    .optional()
    .describe('prepended to the Redis keys and channels shared with ingest and analyzer (config hash, status stream); same value as theirs (default empty)'),
  REDIS_KEY_PREFIX: z.string().max(100).optional().describe('older name of KEY_PREFIX; both set must agree'),
  QUEUE_PREFIX: z
    .string()
    .min(1)
    .max(100)
    .default('xl')
    .describe('BullMQ key prefix of the alerts queue (same value as the analyzer) and the API\'s own queues'),
  JWT_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe('HS256 secret for access tokens; when absent a random one is made per process (tokens die on restart)'),
  JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86400).default(8 * 3600).describe('access token lifetime (one shift); a signed-in console renews its token before it runs out'),
  SESSION_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(3600)
    .max(365 * 86400)
    .default(30 * 86400)
    .describe('how long a sign-in lasts through token renewals (POST /auth/refresh) before the password is asked again: an unattended alarm screen stays signed in this long'),
  MODELS_DIR: z.string().default(path.join(repoRoot, 'models')).describe("directory of detector model manifests (<model>.json): a camera whose rules name a class its model has no label for is refused"),
  SNAPSHOT_DIR: z.string().default('var/snapshots').describe('directory the analyzer writes annotated snapshots to (shared)'),
  SLA_CRITICAL_SECONDS: seconds(60, 86400, 'acknowledgement SLA of critical alerts before escalation; 0 = never escalate'),
  SLA_MAJOR_SECONDS: seconds(300, 86400, 'acknowledgement SLA of major alerts'),
  SLA_WARNING_SECONDS: seconds(900, 86400, 'acknowledgement SLA of warning alerts'),
  SLA_INFO_SECONDS: seconds(0, 86400, 'acknowledgement SLA of info alerts (default: never escalate)'),
  CAMERA_OFFLINE_ALERT_SECONDS: seconds(60, 86400, 'a camera offline this long raises a camera_offline alert'),
  CAMERA_STABLE_SECONDS: seconds(
    30,
    3600,
    'a camera back online counts as recovered once it has delivered pictures this long, and at least as long as its last drop lasted (up to CAMERA_OFFLINE_ALERT_SECONDS): a drop sooner continues the same outage (a flapping link, or one dark at least as long as it is up, raises camera_offline like a dark camera, and keeps one alert open) and its camera_offline alert is resolved only then; 0 = every recovery ends the outage at once',
  ),
  CAMERA_UNSTABLE_WINDOW_SECONDS: seconds(
    600,
    3600,
    'a camera dark CAMERA_UNSTABLE_PERCENT of this long, in two drops or more, has an unstable link: when it comes back its outage raises camera_offline (rule id health.unstable) although no drop reached CAMERA_OFFLINE_ALERT_SECONDS, and ends only once the camera has stayed up this long; 0 = off',
  ),
  CAMERA_UNSTABLE_PERCENT: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(30)
    .describe('share of CAMERA_UNSTABLE_WINDOW_SECONDS, in percent, a camera must be dark in for its link to count as unstable'),
  ANALYSIS_STALE_SECONDS: z.coerce
    .number()
    .int()
    .min(15)
    .max(3600)
    .default(60)
    .describe('an online camera whose frames have not been analysed for this long, or a camera no ingest has reported on for this long after it was configured (no worker reads it), is reported unanalysed (GET /cameras/unanalysed, the console banner): its alerts cannot fire'),
  TIMER_SWEEP_SECONDS: z.coerce
    .number()
    .min(0.1)
    .max(300)
    .default(10)
    .describe('how often the database is checked for deadlines whose timer (a BullMQ delayed job) did not fire — lost with Redis data, or a stalled worker: an open alert past its escalation deadline, a camera offline past CAMERA_OFFLINE_ALERT_SECONDS without its alert; one overdue by more than this is acted on from the database'),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(1000).default(5).describe('failed logins per IP and username before the window locks'),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(100)
    .describe('failed logins per IP over all user names before the window locks that IP: guesses under made-up names, each a password hash (128 MiB, ~0.6 s on 2 cores at PASSWORD_SCRYPT_LOG2_N 17) on the 4 threads file I/O shares, are bounded too (a command centre behind one NAT: raise it)'),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86400).default(300).describe('login failure counting window'),
  PASSWORD_SCRYPT_LOG2_N: z.coerce
    .number()
    .int()
    .min(MIN_SCRYPT_LOG2_N, `must be at least ${MIN_SCRYPT_LOG2_N}: OWASP's minimum for scrypt`)
    .max(MAX_SCRYPT_LOG2_N)
    .default(MIN_SCRYPT_LOG2_N)
    .describe(
      "cost of password hashes: scrypt with N = 2^this, r 8, p 1 (OWASP's minimum 17: 128 MiB and ~0.6 s a hash on 2 cores; each step doubles both, for every login and every guess). A user whose stored hash is weaker is upgraded at their next sign-in",
    ),
  DISPLAY_TIME_ZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Shanghai')
    .describe("the time zone the console shows and enters times in (alert times, the duty report's days), whatever the PC's clock is set to"),
  LOGIN_DEVICE_TOKEN_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(180)
    .describe('how long a browser that signed in keeps a device token: its later password tries count per device instead of per IP, so guesses from the same NAT do not lock its operators out (docs/security.md); 0 turns device tokens off'),
  TRUST_PROXY: z
    .string()
    .max(512)
    .default('false')
    .describe("behind a reverse proxy: its hop count (1) or address list (express 'trust proxy'), so login limits see client IPs; 'true' takes the left-most X-Forwarded-For entry, which the client writes (warned at start)"),
  RUN_WORKERS: z
    .enum(['true', 'false'])
    .default('true')
    .describe('false runs the HTTP API only: no alert intake, escalation timers or status stream on this instance'),
  INTAKE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1).describe('alert events processed at once by this instance'),
  ADMIN_USERNAME: z.string().min(1).max(64).optional().describe('bootstrap admin created at start when no user of that name exists'),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').max(256).optional().describe('password of the bootstrap admin'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
});

export interface Settings {
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  /** Seed nodes of a Redis Cluster; empty: one Redis at redisUrl. */
  redisClusterNodes: string[];
  redisKeyPrefix: string;
  queuePrefix: string;
  jwtSecret: string;
  jwtSecretGenerated: boolean;
  jwtTtlSeconds: number;
  sessionMaxSeconds: number;
  snapshotDir: string;
  modelsDir: string;
  /** Seconds per severity; 0 disables escalation for that severity. */
  slaSeconds: Record<Severity, number>;
  cameraOfflineAlertSeconds: number;
  cameraStableSeconds: number;
  /** CAMERA_UNSTABLE_WINDOW_SECONDS (0: off) and CAMERA_UNSTABLE_PERCENT: when a flapping link raises camera_offline. */
  cameraUnstableWindowSeconds: number;
  cameraUnstablePercent: number;
  analysisStaleSeconds: number;
  timerSweepSeconds: number;
  loginMaxFailures: number;
  loginMaxFailuresPerIp: number;
  loginWindowSeconds: number;
  /** scrypt cost of new password hashes, N = 2^this (PASSWORD_SCRYPT_LOG2_N); weaker stored hashes are upgraded at sign-in. */
  passwordScryptLog2N: number;
  /** Lifetime of a browser's device token (days); 0: none given, every try counts per IP. */
  loginDeviceTokenDays: number;
  /** IANA zone the console shows times in (DISPLAY_TIME_ZONE). */
  displayTimeZone: string;
  intakeConcurrency: number;
  /** express 'trust proxy': false, true, a hop count or an address list. */
  trustProxy: boolean | number | string;
  /** Background work (intake, timers, status stream, push sweeper) runs on this instance. */
  runWorkers: boolean;
  admin?: { username: string; password: string };
  logLevel: string;
}

export class SettingsError extends Error {}

export function loadSettings(env: Record<string, string | undefined> = process.env, randomSecret?: () => string): Settings {
  const result = settingsEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new SettingsError(`invalid alerts-api settings: ${problems.join('; ')}`);
  }
  const e = result.data;
  if ((e.ADMIN_USERNAME === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    throw new SettingsError('invalid alerts-api settings: ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  const clusterProblem = clusterSettingsProblem(e.REDIS_CLUSTER_NODES, e.QUEUE_PREFIX);
  if (clusterProblem) throw new SettingsError(`invalid alerts-api settings: ${clusterProblem}`);
  if (e.KEY_PREFIX !== undefined && e.REDIS_KEY_PREFIX !== undefined && e.KEY_PREFIX !== e.REDIS_KEY_PREFIX) {
    throw new SettingsError('invalid alerts-api settings: KEY_PREFIX and REDIS_KEY_PREFIX differ; set one');
  }
  for (const name of ['JWT_SECRET', 'ADMIN_PASSWORD'] as const) {
    // A value copied from an example (docker/k8s/secret.example.yaml once held such placeholders) is public.
    if (e[name] !== undefined && /change-?me/i.test(e[name])) {
      throw new SettingsError(`invalid alerts-api settings: ${name} is a placeholder ('CHANGE-ME'); set a secret of your own (JWT_SECRET: openssl rand -hex 32)`);
    }
  }
  const generated = e.JWT_SECRET === undefined;
  const secret = e.JWT_SECRET ?? (randomSecret ?? defaultRandomSecret)();
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    redisKeyPrefix: e.KEY_PREFIX ?? e.REDIS_KEY_PREFIX ?? '',
    queuePrefix: e.QUEUE_PREFIX,
    jwtSecret: secret,
    jwtSecretGenerated: generated,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    sessionMaxSeconds: e.SESSION_MAX_SECONDS,
    snapshotDir: e.SNAPSHOT_DIR,
    modelsDir: e.MODELS_DIR,
    slaSeconds: { critical: e.SLA_CRITICAL_SECONDS, major: e.SLA_MAJOR_SECONDS, warning: e.SLA_WARNING_SECONDS, info: e.SLA_INFO_SECONDS },
    cameraOfflineAlertSeconds: e.CAMERA_OFFLINE_ALERT_SECONDS,
    cameraStableSeconds: e.CAMERA_STABLE_SECONDS,
    cameraUnstableWindowSeconds: e.CAMERA_UNSTABLE_WINDOW_SECONDS,
    cameraUnstablePercent: e.CAMERA_UNSTABLE_PERCENT,
    analysisStaleSeconds: e.ANALYSIS_STALE_SECONDS,
    timerSweepSeconds: e.TIMER_SWEEP_SECONDS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginMaxFailuresPerIp: e.LOGIN_MAX_FAILURES_PER_IP,
    loginWindowSeconds: e.LOGIN_WINDOW_SECONDS,
    // Unset under jest: the suites' own lower cost (JEST_SCRYPT_LOG2_N), which no value of the variable reaches.
    passwordScryptLog2N: env.PASSWORD_SCRYPT_LOG2_N === undefined ? defaultScryptLog2N() : e.PASSWORD_SCRYPT_LOG2_N,
    loginDeviceTokenDays: e.LOGIN_DEVICE_TOKEN_DAYS,
    displayTimeZone: e.DISPLAY_TIME_ZONE,
    intakeConcurrency: e.INTAKE_CONCURRENCY,
    runWorkers: e.RUN_WORKERS === 'true',
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    admin: e.ADMIN_USERNAME && e.ADMIN_PASSWORD ? { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD } : undefined,
    logLevel: e.LOG_LEVEL,
  };
}

function defaultRandomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Nest injection token of the Settings object. */
export const SETTINGS = Symbol('alerts-api settings');

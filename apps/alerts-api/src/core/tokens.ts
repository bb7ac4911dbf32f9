// Injection tokens of the infrastructure every module of alerts-api shares (the realtime and
// outbound modules included). Import them from here, never construct these objects yourself.

/** Kysely<Database> — the one query layer (SQLite or PostgreSQL). */
export const KYSELY = Symbol('kysely');
/** DatabaseHandle — kind ('sqlite' | 'postgres') and close(). */
export const DATABASE = Symbol('database handle');
/** ioredis client for ordinary commands (never for blocking reads or subscriptions: duplicate() it). */
export const REDIS = Symbol('redis');
/** pino Logger of the service. */
export const LOGGER = Symbol('logger');
/** prom-client Registry that /metrics serves; register every metric on it, never on the global one. */
export const METRICS_REGISTRY = Symbol('metrics registry');

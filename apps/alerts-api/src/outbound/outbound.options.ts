import { z } from 'zod';
import { resolveOptions } from '../realtime/realtime.options';

/** Options of webhooks and MQTT. Every field has a default and bounds; env names in docs/realtime.md. */
export const outboundOptionsSchema = z.strictObject({
  webhookMaxAttempts: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(8)
    .describe('tries of one delivery before it is dead-lettered (XL_WEBHOOK_MAX_ATTEMPTS)'),
  webhookBackoffMs: z
    .number()
    .int()
    .min(10)
    .max(3_600_000)
    .default(2000)
    .describe('first retry delay; doubles per try (2 s, 4 s, … ≈ 4 min before the 8th try) (XL_WEBHOOK_BACKOFF_MS)'),
  webhookTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(10_000)
    .describe('time a receiver has to answer one POST (XL_WEBHOOK_TIMEOUT_MS)'),
  webhookConcurrency: z.number().int().min(1).max(256).default(8).describe('deliveries in flight per API instance'),
  webhookPerReceiver: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(2)
    .describe('POSTs in flight to one subscription, all instances together: a receiver that does not answer holds no more slots than this (XL_WEBHOOK_PER_RECEIVER)'),
  webhookCircuitOpenMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(30_000)
    .describe('after 3 tries in a row without an answer, tries of that subscription fail at once for this long instead of each waiting for its timeout (XL_WEBHOOK_CIRCUIT_OPEN_MS)'),
  webhookDeadLetterDays: z
    .number()
    .min(1)
    .max(3650)
    .default(30)
    .describe('dead-lettered deliveries not redelivered are dropped after this many days (XL_WEBHOOK_DEAD_LETTER_DAYS)'),
  webhookDeadLettersMax: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe(
      'dead letters kept per subscription (~2.4 KB each in the main Redis); beyond it the oldest (by event seq) are dropped and counted in xl_webhook_dead_letters_dropped_total, so a receiver gone for good cannot fill Redis (XL_WEBHOOK_DEAD_LETTERS_MAX)',
    ),
  webhookLogDays: z
    .number()
    .min(1)
    .max(3650)
    .default(90)
    .describe('rows of the delivery log (GET /webhooks/:id/deliveries) older than this many days are deleted, hourly (XL_WEBHOOK_LOG_DAYS)'),
  queuePrefix: z
    .string()
    .min(1)
    .max(100)
    .default('bull')
    .describe('BullMQ key prefix of the webhooks and dead-letter queues'),
  mqttUrl: z
    .string()
    .regex(/^(mqtts?|wss?|tcp|ssl):\/\//, 'must be mqtt://, mqtts://, ws://, wss://, tcp:// or ssl://')
    .nullable()
    .default(null)
    .describe('MQTT broker (MQTT_URL); unset: MQTT publishing is off'),
  mqttTopicPrefix: z
    .string()
    .regex(/^[^#+]+$/, 'must not contain # or +')
    .default('xueliang')
    .describe('first topic level'),
  consumerBlockMs: z
    .number()
    .int()
    .min(10)
    .max(60_000)
    .default(5000)
    .describe('XREADGROUP block time of the outbound followers (at most a third of consumerLivenessTtlMs)'),
  consumerBatch: z.number().int().min(1).max(1000).default(100).describe('events read per XREADGROUP'),
  claimIdleMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(60_000)
    .describe('events another instance read but did not finish for this long are taken over, even though its liveness key is kept (it hangs)'),
  consumerLivenessTtlMs: z
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(10_000)
    .describe(
      "TTL of the Redis key each outbound consumer refreshes every third of it; the others take over a consumer's unfinished events once its key is gone (stopped: deleted; crashed: expired within this TTL), instead of after claimIdleMs. Longer: a live instance's event-loop stall or lost Redis link must last longer before its events are taken over (and delivered twice)",
    ),
});

export type OutboundOptions = z.infer<typeof outboundOptionsSchema>;
export type OutboundOptionsInput = z.input<typeof outboundOptionsSchema>;

/** Options from the environment (MQTT_URL, XL_WEBHOOK_*), overridden by explicit ones. */
export function resolveOutboundOptions(
  explicit: OutboundOptionsInput = {},
  env: NodeJS.ProcessEnv = process.env,
): OutboundOptions {
  return resolveOptions(outboundOptionsSchema, 'outbound', explicit, env, {
    MQTT_URL: ['mqttUrl'],
    XL_WEBHOOK_MAX_ATTEMPTS: ['webhookMaxAttempts', Number],
    XL_WEBHOOK_BACKOFF_MS: ['webhookBackoffMs', Number],
    XL_WEBHOOK_TIMEOUT_MS: ['webhookTimeoutMs', Number],
    XL_WEBHOOK_PER_RECEIVER: ['webhookPerReceiver', Number],
    XL_WEBHOOK_CIRCUIT_OPEN_MS: ['webhookCircuitOpenMs', Number],
    XL_WEBHOOK_DEAD_LETTER_DAYS: ['webhookDeadLetterDays', Number],
    XL_WEBHOOK_DEAD_LETTERS_MAX: ['webhookDeadLettersMax', Number],
    XL_WEBHOOK_LOG_DAYS: ['webhookLogDays', Number],
  });
}

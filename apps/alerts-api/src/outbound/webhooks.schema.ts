import { z } from 'zod';
import { idSchema, urlWithSchemes } from '@xl/config';
import { waterRefSchema } from '../shared/waters';
import { unsendableUrlReason } from './webhook-sender';

const EVENT_TYPES = ['alert.created', 'alert.updated', 'camera.status'] as const;
const SEVERITIES = ['info', 'warning', 'major', 'critical'] as const;

/**
 * http(s) only: file:, ftp:, gopher: and friends would turn deliveries into a local-resource probe.
 * A URL fetch cannot POST to (a bad port such as 6000) is refused here, not found out at the first
 * alarm; `user:password@` is sent as Basic authorization (webhook-sender.ts).
 */
export const webhookUrlSchema = urlWithSchemes(['http', 'https'])
  .superRefine((url, ctx) => {
    // An unparsable URL already has urlWithSchemes' issue.
    const reason = URL.canParse(url) ? unsendableUrlReason(url) : null;
    if (reason) ctx.addIssue({ code: 'custom', message: reason });
  })
  .describe('http:// or https:// URL the events are POSTed to; user:password@ in it is sent as HTTP Basic authorization');

const filterFields = {
  eventTypes: z
    .array(z.enum(EVENT_TYPES))
    .min(1)
    .max(EVENT_TYPES.length)
    .describe('event types delivered: alert.created, alert.updated, camera.status'),
  minSeverity: z
    .enum(SEVERITIES)
    .nullable()
    .describe('alerts below this severity are not delivered (camera.status ignores it); null: all'),
  regionIds: z.array(idSchema).max(256).describe('region subtrees delivered; with cameraIds empty too, everything'),
  cameraIds: z.array(idSchema).max(1024).describe('cameras delivered in addition to the region subtrees'),
  waters: z
    .array(waterRefSchema)
    .max(256)
    .describe(
      "water zones as 'camera/zone', each camera one of cameraIds: such a camera delivers only those zones' alerts and its health alerts and status (a school's siren for its pond); a camera without, all its alerts",
    ),
  alarmsOnly: z
    .boolean()
    .describe(
      'only alarms: an alert created critical, or an update that raised its alarm (to critical, or critical anew: a drowning after the person entered the water); never acknowledgements, notes, escalations, resolutions or camera status. For a siren that sounds on any POST',
    ),
};

export const webhookCreateSchema = z.strictObject({
  name: z.string().min(1).max(200).describe('what the receiver is, for people'),
  url: webhookUrlSchema,
  secret: z
    .string()
    .min(16, 'must be at least 16 characters')
    .max(256)
    .optional()
    .describe('HMAC-SHA256 key of X-Xueliang-Signature; generated (and returned once) when absent'),
  eventTypes: filterFields.eventTypes.default([...EVENT_TYPES]),
  minSeverity: filterFields.minSeverity.default(null),
  regionIds: filterFields.regionIds.default([]),
  cameraIds: filterFields.cameraIds.default([]),
  waters: filterFields.waters.default([]),
  alarmsOnly: filterFields.alarmsOnly.default(false),
  enabled: z
    .boolean()
    .default(true)
    .describe('a disabled subscription receives nothing; queued deliveries to it are dropped'),
});

export const webhookPatchSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    url: webhookUrlSchema,
    secret: z.string().min(16, 'must be at least 16 characters').max(256).describe('replaces the signing secret'),
    ...filterFields,
    enabled: z.boolean(),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'a patch needs at least one field');

export const deliveryListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('newest attempts first'),
});

export const deadLetterListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('newest dead letters first'),
});

export const redeliverSchema = z.strictObject({
  deliveryIds: z
    .array(z.string().min(1).max(200))
    .min(1)
    .max(1000)
    .optional()
    .describe("dead letters to queue again (ids from GET …/dead-letters); absent: all of the subscription's"),
});

export type WebhookCreate = z.output<typeof webhookCreateSchema>;
export type WebhookPatch = z.output<typeof webhookPatchSchema>;
export type Redeliver = z.output<typeof redeliverSchema>;

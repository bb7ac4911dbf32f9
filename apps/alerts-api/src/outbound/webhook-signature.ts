import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a webhook delivery (docs/realtime.md shows how a receiver verifies them). */
export const WebhookHeaders = {
  signature: 'x-xueliang-signature',
  timestamp: 'x-xueliang-timestamp',
  event: 'x-xueliang-event',
  delivery: 'x-xueliang-delivery',
} as const;

/** `sha256=<hex>`: HMAC-SHA256 of the raw request body under the subscription's secret. */
export function signWebhookBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Constant-time check of a received signature header against the raw body. */
export function verifyWebhookSignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signWebhookBody(secret, rawBody));
  const actual = Buffer.from(header);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

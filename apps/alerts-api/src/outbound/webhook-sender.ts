import { signWebhookBody, WebhookHeaders } from './webhook-signature';

/** What a POST carries besides the event's own data. `webhook.test`: a test sent by an admin. */
export type WebhookEventType = 'alert.created' | 'alert.updated' | 'camera.status' | 'webhook.test';

export interface SignedPost {
  deliveryId: string;
  /** The push log's sequence number; 0 for a test, which is no event of the log. */
  seq: number;
  type: WebhookEventType;
  data: Record<string, unknown>;
}

export interface PostResult {
  /** 2xx. */
  ok: boolean;
  statusCode: number | null;
  /** Null when ok; else the cause code (ECONNREFUSED, TimeoutError …) or `HTTP <status>`. */
  error: string | null;
  durationMs: number;
  /** Epoch ms the body was stamped with (also X-Xueliang-Timestamp). */
  at: number;
}

/**
 * One signed POST of a delivery to a receiver: the body `{id, seq, type, timestamp, data}`, its
 * HMAC-SHA256 and the delivery headers. Redirects are not followed (a 3xx is a failure, not a hop to
 * wherever it points); errors never carry the URL (it may hold a token).
 */
export async function postSigned(receiver: { url: string; secret: string }, post: SignedPost, timeoutMs: number): Promise<PostResult> {
  const at = Date.now();
  // The timestamp is inside the signed body too, so a receiver can refuse replays of old deliveries.
  const body = JSON.stringify({ id: post.deliveryId, seq: post.seq, type: post.type, timestamp: at, data: post.data });
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(receiver.url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'xueliang-alerts-api',
        [WebhookHeaders.signature]: signWebhookBody(receiver.secret, body),
        [WebhookHeaders.timestamp]: String(at),
        [WebhookHeaders.event]: post.type,
        [WebhookHeaders.delivery]: post.deliveryId,
      },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    statusCode = response.status;
  } catch (err) {
    error = failureOf(err);
  }
  const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
  return { ok, statusCode, error: ok ? null : (error ?? `HTTP ${statusCode}`), durationMs: Math.round(performance.now() - started), at };
}

/**
 * Why a POST failed, for people: the cause's code (ECONNREFUSED, ENOTFOUND …), else its message
 * when it is plain words (fetch's 'bad port' for ports it refuses, such as 9 or 6000) — never one
 * with a ':', '/' or '.', which could quote the URL in some form and its token — else the error's
 * name (TimeoutError).
 */
export function failureOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && /^[A-Za-z][A-Za-z ]{0,80}$/.test(cause.message)) return cause.message;
  return (err as Error).name || 'request failed';
}

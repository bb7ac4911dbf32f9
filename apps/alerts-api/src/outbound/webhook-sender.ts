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
 * wherever it points); errors never carry the URL (it may hold a token). The URL's `user:password@`
 * goes as Basic authorization (requestTarget).
 */
export async function postSigned(receiver: { url: string; secret: string }, post: SignedPost, timeoutMs: number): Promise<PostResult> {
  const at = Date.now();
  // A URL saved before the schema refused it (a bad port, broken percent-encoding): the reason, not fetch's.
  const unsendable = unsendableUrlReason(receiver.url);
  if (unsendable) return { ok: false, statusCode: null, error: `URL ${unsendable}`, durationMs: 0, at };
  // The timestamp is inside the signed body too, so a receiver can refuse replays of old deliveries.
  const body = JSON.stringify({ id: post.deliveryId, seq: post.seq, type: post.type, timestamp: at, data: post.data });
  const started = performance.now();
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const target = requestTarget(receiver.url);
    const response = await fetch(target.url, {
      method: 'POST',
      body,
      headers: {
        ...(target.authorization ? { authorization: target.authorization } : {}),
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
  // fetch's own message quotes the URL with its password; requestTarget keeps this from happening.
  if (err instanceof TypeError && /includes credentials/.test(err.message)) return 'credentials in URL not supported';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && /^[A-Za-z][A-Za-z ]{0,80}$/.test(cause.message)) return cause.message;
  return (err as Error).name || 'request failed';
}

/**
 * Ports fetch refuses to connect to (the Fetch standard's "bad ports", as Node 20's undici lists
 * them): every POST to one fails with `bad port`, so a webhook URL naming one is refused when saved.
 */
export const FETCH_BAD_PORTS: ReadonlySet<string> = new Set(
  [
    1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389,
    427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566,
    6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
  ].map(String),
);

/**
 * Why fetch cannot POST to this URL as written, or null. Checked when a subscription is saved
 * (webhooks.schema) and before each POST (a URL saved before the check, answered with this reason).
 */
export function unsendableUrlReason(url: string): string | null {
  if (!URL.canParse(url)) return 'is not a valid URL';
  const { port, username, password } = new URL(url);
  if (FETCH_BAD_PORTS.has(port)) return `port ${port} is one fetch refuses to connect to (a "bad port", as 554, 5060 or 6000): give the receiver another port`;
  try {
    decodeURIComponent(username);
    decodeURIComponent(password);
  } catch {
    return 'user:password@ is not valid percent-encoding (write a % in them as %25)';
  }
  return null;
}

/**
 * What fetch is given for a receiver's URL: fetch refuses a URL with `user:password@` in it (as an IP
 * siren's manual writes its trigger URL), so they are taken off it and sent, percent-decoded, as
 * `Authorization: Basic base64(user:password)`. The URL must pass unsendableUrlReason.
 */
export function requestTarget(url: string): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.href, authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

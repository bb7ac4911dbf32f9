// A chat bot's webhook URL is its credential: whoever has it can post into the group. Feishu's and
// Slack's carry the token as a path segment, which redactUrl (name=value pairs, user:password@)
// does not see; DingTalk's `?access_token=` and WeCom's `?key=` are name=value pairs it already hides.
import { REDACTED, redactUrl, restoreRedacted } from '../common/redact';
import { validationError } from '../common/zod-pipe';

/** Slack's webhook kinds (first segment) and their number of segments, the secret last. */
const SLACK_PATH_LENGTHS = new Map([
  ['services', 4],
  ['triggers', 4],
  ['workflows', 5],
]);

/**
 * Which of a URL's path segments (0-based, after the host) are the token, for the hosts known to
 * carry one there; none for any other URL. Only the documented forms: the segments before the
 * token name the bot, workspace or channel and stay readable.
 */
function pathTokenIndexes(hostname: string, segments: readonly string[]): number[] {
  const shape = segments.slice(0, -1).join('/');
  switch (hostname) {
    // Feishu and Lark (its international name) custom bots: /open-apis/bot/v2/hook/<token>, v1 /open-apis/bot/hook/<token>.
    case 'open.feishu.cn':
    case 'open.larksuite.com':
      return shape === 'open-apis/bot/v2/hook' || shape === 'open-apis/bot/hook' ? [segments.length - 1] : [];
    // Feishu workflow (flow) triggers: /flow/api/trigger-webhook/<token>.
    case 'www.feishu.cn':
    case 'www.larksuite.com':
      return shape === 'flow/api/trigger-webhook' ? [segments.length - 1] : [];
    // Slack: /services/T…/B…/<secret>, /triggers/T…/<id>/<secret>, /workflows/T…/A…/<id>/<secret>.
    case 'hooks.slack.com': {
      const length = SLACK_PATH_LENGTHS.get(segments[0]);
      return segments.length === length ? [length - 1] : [];
    }
    default:
      return [];
  }
}

interface PathTokens {
  url: URL;
  /** The path's segments, a trailing slash's empty one left off. */
  segments: string[];
  trailingSlash: boolean;
  tokens: number[];
}

function pathTokensOf(value: string): PathTokens | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  const segments = url.pathname.split('/').slice(1);
  const trailingSlash = segments.length > 1 && segments[segments.length - 1] === '';
  if (trailingSlash) segments.pop();
  const tokens = pathTokenIndexes(url.hostname, segments).filter((i) => segments[i] !== '');
  return { url, segments, trailingSlash, tokens };
}

function withSegments(p: PathTokens, segments: string[]): string {
  const url = new URL(p.url);
  url.pathname = `/${segments.join('/')}${p.trailingSlash ? '/' : ''}`;
  return url.toString();
}

function isRedacted(segment: string): boolean {
  try {
    return decodeURIComponent(segment) === REDACTED;
  } catch {
    return false;
  }
}

/**
 * A webhook URL as it may be shown (the API's views; anything that prints it): redactUrl's
 * password and secret name=value pairs, and the token segment of a Feishu/Lark or Slack URL, as ***.
 * Any other host's path is left as it is. Never throws.
 */
export function redactWebhookUrl(value: string): string {
  const p = pathTokensOf(value);
  if (!p || p.tokens.length === 0) return redactUrl(value);
  return redactUrl(withSegments(p, p.segments.map((s, i) => (p.tokens.includes(i) ? REDACTED : s))));
}

/**
 * An edited webhook URL with its *** filled from the stored one (GET's URL sent back): the path
 * token where the URL is the stored receiver's but for that token (same scheme, host, port, user and
 * every other path segment: a Slack secret is its channel's alone), then the password and secret
 * name=value pairs as restoreRedacted does. Null when a *** would go to another receiver.
 */
export function restoreWebhookUrl(next: string, stored: string): string | null {
  const n = pathTokensOf(next);
  const hidden = n?.tokens.filter((i) => isRedacted(n.segments[i])) ?? [];
  if (!n || hidden.length === 0) return restoreRedacted(next, stored);
  const s = pathTokensOf(stored);
  const sameReceiver =
    s !== null &&
    s.url.protocol === n.url.protocol &&
    s.url.host === n.url.host &&
    s.url.username === n.url.username &&
    s.segments.length === n.segments.length &&
    n.segments.every((segment, i) => hidden.includes(i) || segment === s.segments[i]);
  if (!sameReceiver) return null;
  return restoreRedacted(withSegments(n, n.segments.map((segment, i) => (hidden.includes(i) ? s.segments[i] : segment))), stored);
}

/** restoreWebhookUrl, or 400 on `url` when a *** would take the stored token or password to another receiver. */
export function restoredWebhookUrl(next: string, stored: string): string {
  const restored = restoreWebhookUrl(next, stored);
  if (restored !== null) return restored;
  throw validationError('body', [
    {
      field: 'url',
      rule: 'password_required',
      message: 'the URL names another receiver (scheme, host, port, user, or path around its token) than the stored one: give its token or password instead of ***',
    },
  ]);
}

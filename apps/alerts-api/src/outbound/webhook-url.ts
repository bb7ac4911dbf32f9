// A chat bot's webhook URL is its credential: whoever has it can post into the group. Feishu's,
// Slack's, Discord's, Telegram's, Microsoft Teams', ServerChan's and Bark's carry the token in the path, which
// redactUrl (name=value pairs, user:password@) does not see; DingTalk's `?access_token=` and WeCom's
// `?key=` and Teams workflows' (Power Automate) `&sig=` are name=value pairs it already hides.
import { secretParams, type SecretParam } from '@xl/media';
import { REDACTED, redactUrl, restoreRedacted } from '../common/redact';
import { validationError } from '../common/zod-pipe';

/** Slack's webhook kinds (first segment) and their number of segments, the secret last. */
const SLACK_PATH_LENGTHS = new Map([
  ['services', 4],
  ['triggers', 4],
  ['workflows', 5],
]);

/** Discord's API hosts: the web and desktop app's, the older domain's, and its test clients' (PTB, Canary). */
const DISCORD_HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com', 'ptb.discordapp.com', 'canary.discordapp.com']);

/** Bark server's own routes; any other first segment is a device key. */
const BARK_ROUTES = new Set(['push', 'ping', 'healthz', 'info', 'register']);

/** Teams incoming webhooks: per-tenant `<tenant>.webhook.office.com`, and the retired Office 365 connector hosts. */
const TEAMS_HOST = /^([a-z0-9-]+\.webhook\.office\.com|outlook\.office\.com|outlook\.office365\.com)$/;

/** ServerChan³ (Server酱³): each user's own host, `<uid>.push.ft07.com`. */
const SERVERCHAN3_HOST = /^\d+\.push\.ft07\.com$/;

/** Where a token sits in a path: the segment (of the non-empty ones), and the fixed text around it in that segment. */
interface TokenPlace {
  at: number;
  prefix: string;
  suffix: string;
}

const whole = (at: number): TokenPlace => ({ at, prefix: '', suffix: '' });

/** The token of a segment `<prefix><token><suffix>` (token not empty), or none. */
function embedded(at: number, segment: string | undefined, prefix: string, suffix: string): TokenPlace[] {
  if (segment === undefined || segment.length <= prefix.length + suffix.length) return [];
  return segment.startsWith(prefix) && segment.endsWith(suffix) ? [{ at, prefix, suffix }] : [];
}

/**
 * Where the token is in a URL's path (its non-empty segments, percent-decoded), for the hosts known
 * to carry one there; none for any other URL. Only the documented forms: the segments before the
 * token name the bot, workspace or channel and stay readable.
 */
function tokenPlaces(hostname: string, path: readonly string[]): TokenPlace[] {
  const last = path.length - 1;
  const shape = path.slice(0, -1).join('/');
  switch (hostname) {
    // Feishu and Lark (its international name) custom bots: /open-apis/bot/v2/hook/<token>, v1 /open-apis/bot/hook/<token>.
    case 'open.feishu.cn':
    case 'open.larksuite.com':
      return shape === 'open-apis/bot/v2/hook' || shape === 'open-apis/bot/hook' ? [whole(last)] : [];
    // Feishu workflow (flow) triggers: /flow/api/trigger-webhook/<token>.
    case 'www.feishu.cn':
    case 'www.larksuite.com':
      return shape === 'flow/api/trigger-webhook' ? [whole(last)] : [];
    // Slack: /services/T…/B…/<secret>, /triggers/T…/<id>/<secret>, /workflows/T…/A…/<id>/<secret>.
    case 'hooks.slack.com': {
      const length = SLACK_PATH_LENGTHS.get(path[0]);
      return path.length === length ? [whole(length - 1)] : [];
    }
    // Telegram bots: /bot<token>/<method>, files /file/bot<token>/<path>; the token is all of the segment after `bot`.
    case 'api.telegram.org':
      return path[0] === 'file' ? embedded(1, path[1], 'bot', '') : embedded(0, path[0], 'bot', '');
    // ServerChan (Server酱 Turbo): /<SENDKEY>.send.
    case 'sctapi.ftqq.com':
      return path.length === 1 ? embedded(0, path[0], '', '.send') : [];
    // Bark: /<device key>, /<key>/<body>, /<key>/<title>/<body>, …; its own routes (/push with the key in the body) carry none.
    case 'api.day.app':
      return path.length > 0 && !BARK_ROUTES.has(path[0]) ? [whole(0)] : [];
    default: {
      // Teams: /webhookb2/<group>@<tenant>/IncomingWebhook/<token>/<creator>, since 2025 with a signature
      // segment (`V2…`) after the creator; the retired hosts' /webhook/…. Group, tenant and creator ids stay.
      if (TEAMS_HOST.test(hostname)) {
        // Office's routes ignore case: `/WebhookB2/…/incomingwebhook/…` delivers too, so it must not show its token.
        const route = path.slice(0, 3).map((segment) => segment.toLowerCase());
        if ((route[0] !== 'webhookb2' && route[0] !== 'webhook') || route[2] !== 'incomingwebhook' || path.length < 5) return [];
        return path.length > 5 ? [whole(3), whole(5)] : [whole(3)];
      }
      // ServerChan³: /send/<SENDKEY>.send.
      if (SERVERCHAN3_HOST.test(hostname)) return path.length === 2 && path[0] === 'send' ? embedded(1, path[1], '', '.send') : [];
      // Discord: /api/webhooks/<id>/<token>, with an API version /api/v10/webhooks/…, and whatever follows
      // the token (/slack, /github, /messages/<id>).
      if (!DISCORD_HOSTS.has(hostname) || path[0] !== 'api') return [];
      const webhooks = /^v\d+$/.test(path[1] ?? '') ? 2 : 1;
      return path[webhooks] === 'webhooks' && path.length > webhooks + 2 ? [whole(webhooks + 2)] : [];
    }
  }
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface PathTokens {
  url: URL;
  /** The path's segments as written, empty ones (`//`, a trailing slash) included: joined by `/` they are the path again. */
  segments: string[];
  /** The token places by index into `segments`. */
  places: Map<number, TokenPlace>;
}

function pathTokensOf(value: string): PathTokens | null {
  if (!URL.canParse(value)) return null;
  const url = new URL(value);
  const segments = url.pathname.split('/').slice(1);
  // Servers read `//` as `/` and `%68ook` as `hook`, and a DNS name with its trailing dot (`open.feishu.cn.`)
  // is the same host: none of them may show a token. (The URL parser has already lowered the host's case.)
  const kept = segments.flatMap((segment, index) => (segment === '' ? [] : [index]));
  const hostname = url.hostname.replace(/\.+$/, '');
  const places = new Map<number, TokenPlace>();
  for (const place of tokenPlaces(hostname, kept.map((index) => decoded(segments[index])))) places.set(kept[place.at], place);
  return { url, segments, places };
}

function withSegments(p: PathTokens, segments: string[]): string {
  const url = new URL(p.url);
  url.pathname = `/${segments.join('/')}`;
  return url.toString();
}

const redactedSegment = (place: TokenPlace) => `${place.prefix}${REDACTED}${place.suffix}`;

/** The indexes of the path's token segments whose token is *** (percent-encoded or not). */
function redactedTokens(p: PathTokens): number[] {
  return [...p.places].filter(([i, place]) => decoded(p.segments[i]) === redactedSegment(place)).map(([i]) => i);
}

/**
 * A webhook URL as it may be shown (the API's views; anything that prints it): redactUrl's
 * password and secret name=value pairs, and the token in the path of a known chat or push service's
 * URL, as *** (`bot***` and `***.send` where the token is part of a segment). Any other host's path is
 * left as it is. Never throws.
 */
export function redactWebhookUrl(value: string): string {
  const p = pathTokensOf(value);
  if (!p || p.places.size === 0) return redactUrl(value);
  const masked = p.segments.map((segment, i) => {
    const place = p.places.get(i);
    return place ? redactedSegment(place) : segment;
  });
  return redactUrl(withSegments(p, masked));
}

/**
 * An edited webhook URL with its *** filled from the stored one (GET's URL sent back): the path
 * token where the URL is the stored receiver's but for that token (same scheme, host, port, user and
 * every other path segment: a Slack secret is its channel's alone), then the password and secret
 * name=value pairs as restoreRedacted does. Null when a *** would go to another receiver.
 */
export function restoreWebhookUrl(next: string, stored: string): string | null {
  const n = pathTokensOf(next);
  const hidden = n ? redactedTokens(n) : [];
  if (!n || hidden.length === 0) return restoreRedacted(next, stored);
  const s = pathTokensOf(stored);
  const sameReceiver =
    s !== null &&
    s.url.protocol === n.url.protocol &&
    s.url.host === n.url.host &&
    s.url.username === n.url.username &&
    s.segments.length === n.segments.length &&
    n.segments.every((segment, i) => (hidden.includes(i) ? s.places.has(i) : segment === s.segments[i]));
  if (!sameReceiver) return null;
  return restoreRedacted(withSegments(n, n.segments.map((segment, i) => (hidden.includes(i) ? s.segments[i] : segment))), stored);
}

/**
 * What of a webhook URL is still *** where a secret goes (the password of user:password@, a secret
 * name=value pair's value, a known service's path token): stored so, every delivery would be refused
 * by the receiver and dead-lettered. Empty for an unparsable URL (the schema refuses it).
 */
export function redactedSecretsOf(value: string): string[] {
  const p = pathTokensOf(value);
  if (!p) return [];
  const found: string[] = [];
  if (decoded(p.url.password) === REDACTED) found.push('password');
  const text = p.url.toString();
  for (const pair of secretParams(text)) if (decoded(text.slice(pair.start, pair.end)) === REDACTED) found.push(`${pairName(text, pair)}= value`);
  if (redactedTokens(p).length > 0) found.push('path token');
  return found;
}

/**
 * A pair's name as written (`access_token`, which secretParams finds as `token` after its `_`); the
 * name it found where the text back to the delimiter holds another pair (XMEye's `user=admin_password=`).
 */
function pairName(text: string, pair: SecretParam): string {
  const nameEnd = pair.start - 1;
  const written = text.slice(Math.max(...['?', '&', '/', ';'].map((d) => text.lastIndexOf(d, nameEnd - 1))) + 1, nameEnd);
  return written.includes('=') ? pair.name : decoded(written);
}

function secretRequired(redacted: string[], why: string): void {
  if (redacted.length === 0) return;
  throw validationError('body', [
    {
      field: 'url',
      rule: 'password_required',
      message: `the URL's ${redacted.join(' and ')} ${redacted.length > 1 ? 'are' : 'is'} *** (${why}): give the secret itself, or the receiver would refuse every delivery`,
    },
  ]);
}

/** A new subscription's URL, or 400 on `url` where a secret is *** (a URL copied from another subscription's view). */
export function givenWebhookUrl(value: string): string {
  secretRequired(redactedSecretsOf(value), 'as the API shows it; a new subscription has no stored one to keep');
  return value;
}

/**
 * restoreWebhookUrl, or 400 on `url` when a *** would take the stored token or password to another
 * receiver, or when a *** is left that the stored URL has no secret for.
 */
export function restoredWebhookUrl(next: string, stored: string): string {
  const restored = restoreWebhookUrl(next, stored);
  if (restored === null) {
    throw validationError('body', [
      {
        field: 'url',
        rule: 'password_required',
        message: 'the URL names another receiver (scheme, host, port, user, or path around its token) than the stored one: give its token or password instead of ***',
      },
    ]);
  }
  // restoreRedacted drops a *** password where the stored URL has none: the user would go without one.
  const passwordDropped = URL.canParse(next) && decoded(new URL(next).password) === REDACTED && !new URL(restored).password;
  secretRequired([...(passwordDropped ? ['password'] : []), ...redactedSecretsOf(restored)], 'and the stored URL has no secret there to keep');
  return restored;
}

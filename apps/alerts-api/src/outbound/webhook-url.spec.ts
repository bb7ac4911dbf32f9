import '../testing/nest-esm';
import { redactedSecretsOf, restoreWebhookUrl, restoredWebhookUrl } from './webhook-url';
import { webhookView } from './webhooks.service';
import type { WebhookSubscription } from './webhooks.repository';

const subscription = (url: string): WebhookSubscription => ({
  id: 'wh_1',
  name: 'duty group',
  url,
  secret: 'a-long-enough-secret',
  filters: { eventTypes: ['alert.created'], minSeverity: null, regionIds: [], cameraIds: [], waters: [], alarmsOnly: false },
  enabled: true,
  createdBy: 'admin',
  createdAt: 1_764_000_000_000,
  updatedAt: 1_764_000_000_000,
});
const shown = (url: string) => webhookView(subscription(url)).url;

const FEISHU = 'https://open.feishu.cn/open-apis/bot/v2/hook/2f5e0a51-7c3d-4b7a-9e1f-0c2d3e4f5a6b';
const SLACK = 'https://hooks.slack.com/services/T00000000/B11111111/XXXXXXXXXXXXXXXXXXXXXXXX';
const TEAMS =
  'https://contoso.webhook.office.com/webhookb2/0f1e2d3c-aaaa-bbbb-cccc-000000000001@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/5a4b3c2d1e0f99887766554433221100/6e5d4c3b-dddd-eeee-ffff-000000000002';

describe('the webhook URL an admin is shown', () => {
  it.each([
    [FEISHU, 'https://open.feishu.cn/open-apis/bot/v2/hook/***'],
    ['https://open.feishu.cn/open-apis/bot/hook/0123abcd', 'https://open.feishu.cn/open-apis/bot/hook/***'],
    ['https://open.larksuite.com/open-apis/bot/v2/hook/0123abcd/', 'https://open.larksuite.com/open-apis/bot/v2/hook/***/'],
    ['https://www.feishu.cn/flow/api/trigger-webhook/9f8e7d6c5b4a', 'https://www.feishu.cn/flow/api/trigger-webhook/***'],
    // The workspace and channel ids stay: they tell the admin which channel it is, and post nothing.
    [SLACK, 'https://hooks.slack.com/services/T00000000/B11111111/***'],
    ['https://hooks.slack.com/triggers/T00000000/5555555555/abcdef0123456789abcdef', 'https://hooks.slack.com/triggers/T00000000/5555555555/***'],
    ['https://hooks.slack.com/workflows/T00000000/A22222222/333333333/abcdef0123456789', 'https://hooks.slack.com/workflows/T00000000/A22222222/333333333/***'],
  ])('hides the token in the path of a known chat bot: %s', (url, expected) => {
    expect(shown(url)).toBe(expected); // before: the token, in full
  });

  it.each([
    // Discord: /api/webhooks/<id>/<token>, versioned or not, whatever follows the token; the id stays.
    ['https://discord.com/api/webhooks/1234567890123456789/aBcD-eFgH_iJkL', 'https://discord.com/api/webhooks/1234567890123456789/***'],
    ['https://discordapp.com/api/webhooks/123/aBcD/slack', 'https://discordapp.com/api/webhooks/123/***/slack'],
    ['https://canary.discord.com/api/v10/webhooks/123/aBcD?wait=true', 'https://canary.discord.com/api/v10/webhooks/123/***?wait=true'],
    // Telegram: the token is the part of the segment after `bot`; the method stays.
    ['https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage', 'https://api.telegram.org/bot***/sendMessage'],
    ['https://api.telegram.org/bot123456789:AAH-x_y/test/sendMessage?chat_id=-100123', 'https://api.telegram.org/bot***/test/sendMessage?chat_id=-100123'],
    ['https://api.telegram.org/file/bot123456789:AAH-x_y/photos/file_1.jpg', 'https://api.telegram.org/file/bot***/photos/file_1.jpg'],
    // ServerChan: /<SENDKEY>.send.
    ['https://sctapi.ftqq.com/SCT123456TabcdefGHIJ.send?title=alarm', 'https://sctapi.ftqq.com/***.send?title=alarm'],
    // Bark: the first segment is the device key; title and body stay.
    ['https://api.day.app/qT5nYd8mJ3xK2pL9wR4vZc/Drowning/Pond%203', 'https://api.day.app/***/Drowning/Pond%203'],
    ['https://api.day.app/qT5nYd8mJ3xK2pL9wR4vZc', 'https://api.day.app/***'],
    // ServerChan³: each user's host, /send/<SENDKEY>.send.
    ['https://12345.push.ft07.com/send/sctp12345tAbCdEf.send?title=alarm', 'https://12345.push.ft07.com/send/***.send?title=alarm'],
    // Microsoft Teams: the token after IncomingWebhook, and the signature segment newer URLs end with; the ids stay.
    [TEAMS, 'https://contoso.webhook.office.com/webhookb2/0f1e2d3c-aaaa-bbbb-cccc-000000000001@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/***/6e5d4c3b-dddd-eeee-ffff-000000000002'],
    [`${TEAMS}/V2aBcDeFgHiJkLmN-oPq_rStUvWxYz0123456789`, 'https://contoso.webhook.office.com/webhookb2/0f1e2d3c-aaaa-bbbb-cccc-000000000001@72f988bf-86f1-41af-91ab-2d7cd011db47/IncomingWebhook/***/6e5d4c3b-dddd-eeee-ffff-000000000002/***'],
    ['https://outlook.office.com/webhook/g@t/IncomingWebhook/0a1b2c3d4e5f/c', 'https://outlook.office.com/webhook/g@t/IncomingWebhook/***/c'],
    ['https://contoso.webhook.office.com/WebhookB2/g@t/incomingwebhook/0a1b2c3d4e5f/c', 'https://contoso.webhook.office.com/WebhookB2/g@t/incomingwebhook/***/c'],
    // Teams workflows (Power Automate): the signature is a query pair.
    [
      'https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Zx9yW8vU7tS6',
      'https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=***',
    ],
  ])('hides the token in the path of Discord, Telegram, ServerChan, Bark and Teams: %s', (url, expected) => {
    expect(shown(url)).toBe(expected); // before: the token, in full
  });

  it.each([
    // A DNS name's trailing dot and upper case name the same host.
    ['https://open.feishu.cn./open-apis/bot/v2/hook/0123abcd', 'https://open.feishu.cn./open-apis/bot/v2/hook/***'],
    ['https://OPEN.FEISHU.CN/open-apis/bot/v2/hook/0123abcd', 'https://open.feishu.cn/open-apis/bot/v2/hook/***'],
    ['https://Hooks.Slack.Com./services/T00000000/B11111111/XXXXXXXX', 'https://hooks.slack.com./services/T00000000/B11111111/***'],
    // Servers read `//` as `/` and %68 as h: the URL is written back as it was, but for the token.
    ['https://open.feishu.cn//open-apis/bot/v2//hook//0123abcd//', 'https://open.feishu.cn//open-apis/bot/v2//hook//***//'],
    ['https://hooks.slack.com/services//T00000000/B11111111/XXXXXXXX', 'https://hooks.slack.com/services//T00000000/B11111111/***'],
    ['https://open.feishu.cn/open-apis/bot/v2/%68ook/0123abcd', 'https://open.feishu.cn/open-apis/bot/v2/%68ook/***'],
    ['https://api.telegram.org//%62ot123:AAH/sendMessage', 'https://api.telegram.org//bot***/sendMessage'],
  ])('knows a host by any spelling of its name and a path with empty segments: %s', (url, expected) => {
    expect(shown(url)).toBe(expected); // before: the token, in full
  });

  it.each([
    ['https://oapi.dingtalk.com/robot/send?access_token=6e5d4c3b2a1f', 'https://oapi.dingtalk.com/robot/send?access_token=***'],
    ['https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***'],
    ['https://siren:alarm123@10.20.0.9/api/alarm?channel=1', 'https://siren:***@10.20.0.9/api/alarm?channel=1'],
  ])('hides the query tokens and passwords as before: %s', (url, expected) => {
    expect(shown(url)).toBe(expected);
  });

  it.each([
    // Not the documented forms, or other hosts: their paths are what they were.
    'https://receiver.example/open-apis/bot/v2/hook/abc',
    'https://receiver.example/services/T0/B1/secret',
    'https://hooks.slack.com/services/T00000000/B11111111',
    'https://open.feishu.cn/open-apis/im/v1/messages',
    'https://gis.example.cn/hooks/xl',
    // The services' other paths: Bark's own routes, Telegram and Discord without a token, ServerChan without .send.
    'https://api.day.app/push',
    'https://api.day.app/ping',
    'https://api.telegram.org/bot/sendMessage',
    'https://api.telegram.org/setWebhook',
    'https://discord.com/api/webhooks/123',
    'https://discord.com/api/v10/channels/123/messages',
    'https://discord.example/api/webhooks/123/aBcD',
    'https://sctapi.ftqq.com/SCT123456T',
    'https://sctapi.ftqq.com/.send',
    'https://12345.push.ft07.com/other/sctp12345tAbCdEf.send',
    'https://push.ft07.com/send/sctp12345tAbCdEf.send',
    'https://contoso.webhook.office.com/webhookb2/g@t/OtherThing/0a1b2c3d/c',
    'https://webhook.office.com.example/webhookb2/g@t/IncomingWebhook/0a1b2c3d/c',
  ])('leaves the path of any other URL as it is: %s', (url) => {
    expect(shown(url)).toBe(url);
  });
});

describe('a webhook URL sent back as shown', () => {
  it('keeps the stored path token for *** on the same bot, and takes a new token as given', () => {
    expect(restoreWebhookUrl('https://open.feishu.cn/open-apis/bot/v2/hook/***', FEISHU)).toBe(FEISHU);
    expect(restoreWebhookUrl('https://open.feishu.cn/open-apis/bot/v2/hook/%2A%2A%2A', FEISHU)).toBe(FEISHU);
    expect(restoreWebhookUrl('https://hooks.slack.com/services/T00000000/B11111111/***', SLACK)).toBe(SLACK);
    const replaced = 'https://open.feishu.cn/open-apis/bot/v2/hook/new-token-1';
    expect(restoreWebhookUrl(replaced, FEISHU)).toBe(replaced);
    expect(restoreWebhookUrl(SLACK, FEISHU)).toBe(SLACK);
  });

  it('refuses *** for another receiver: host, scheme, or the channel the secret belongs to', () => {
    expect(restoreWebhookUrl('https://open.larksuite.com/open-apis/bot/v2/hook/***', FEISHU)).toBeNull();
    expect(restoreWebhookUrl('http://open.feishu.cn/open-apis/bot/v2/hook/***', FEISHU)).toBeNull();
    expect(restoreWebhookUrl('https://hooks.slack.com/services/T00000000/B99999999/***', SLACK)).toBeNull();
    expect(restoreWebhookUrl('https://hooks.slack.com/services/T00000000/B11111111/***', FEISHU)).toBeNull();
    // A host whose path carries no known token: its *** is no token's place, and stays *** (as before).
    const unknown = 'https://attacker.example/open-apis/bot/v2/hook/***';
    expect(restoreWebhookUrl(unknown, FEISHU)).toBe(unknown);
  });

  it('still restores the query token and password of the same endpoint', () => {
    const dingtalk = 'https://oapi.dingtalk.com/robot/send?access_token=6e5d4c3b2a1f';
    expect(restoreWebhookUrl('https://oapi.dingtalk.com/robot/send?access_token=***', dingtalk)).toBe(dingtalk);
    expect(restoreWebhookUrl('https://attacker.example/robot/send?access_token=***', dingtalk)).toBeNull();
  });
});

describe('a *** where a secret goes', () => {
  it.each([
    ['https://open.feishu.cn/open-apis/bot/v2/hook/***', ['path token']],
    ['https://open.feishu.cn./open-apis/bot/v2/hook/%2A%2A%2A', ['path token']],
    ['https://api.telegram.org/bot***/sendMessage', ['path token']],
    ['https://sctapi.ftqq.com/***.send', ['path token']],
    ['https://discord.com/api/webhooks/123/***', ['path token']],
    ['https://api.day.app/***/alarm', ['path token']],
    ['https://siren:***@10.20.0.9/api/alarm', ['password']],
    ['https://oapi.dingtalk.com/robot/send?access_token=***', ['access_token= value']],
    ['https://gis.example.cn/hooks/xl?token=%2A%2A%2A&key=***', ['token= value', 'key= value']],
    ['rtsp://cam.example/user=admin_password=***_channel=1', ['password= value']],
  ])('is found in %s', (url, expected) => {
    expect(redactedSecretsOf(url)).toEqual(expected);
  });

  it.each([
    'https://open.feishu.cn/open-apis/bot/v2/hook/0123abcd',
    'https://api.telegram.org/bot123:AAH/sendMessage',
    'https://gis.example.cn/hooks/***?token=abc***',
    'https://siren:a***b@10.20.0.9/api/alarm',
  ])('is not found where none is: %s', (url) => {
    expect(redactedSecretsOf(url)).toEqual([]);
  });
});

describe('a webhook URL sent back as shown, for the other services', () => {
  const DISCORD = 'https://discord.com/api/webhooks/1234567890/aBcD-eFgH_iJkL';
  const TELEGRAM = 'https://api.telegram.org/bot123456789:AAH-x_y/sendMessage?chat_id=-100123';
  const SERVERCHAN = 'https://sctapi.ftqq.com/SCT123456TabcdefGHIJ.send';
  const BARK = 'https://api.day.app/qT5nYd8mJ3xK2pL9wR4vZc/Drowning';
  const SERVERCHAN3 = 'https://12345.push.ft07.com/send/sctp12345tAbCdEf.send';
  const TEAMS_V2 = `${TEAMS}/V2aBcDeFgHiJkLmN`;

  it('keeps the stored token of the same receiver', () => {
    for (const url of [DISCORD, TELEGRAM, SERVERCHAN, BARK, SERVERCHAN3, TEAMS, TEAMS_V2]) expect(restoreWebhookUrl(shown(url), url)).toBe(url);
    expect(restoreWebhookUrl('https://api.telegram.org/bot%2A%2A%2A/sendMessage?chat_id=-100123', TELEGRAM)).toBe(TELEGRAM);
    const doubled = 'https://open.feishu.cn//open-apis/bot/v2/hook//0123abcd';
    expect(restoreWebhookUrl(shown(doubled), doubled)).toBe(doubled);
  });

  it('refuses *** for another receiver: another webhook id, another host spelling', () => {
    expect(restoreWebhookUrl('https://discord.com/api/webhooks/999/***', DISCORD)).toBeNull();
    expect(restoreWebhookUrl('https://discord.com/api/webhooks/1234567890/***', TELEGRAM)).toBeNull();
    expect(restoreWebhookUrl('https://open.feishu.cn./open-apis/bot/v2/hook/***', FEISHU)).toBeNull();
    // Another Teams channel (group id) of the same tenant: the token is that channel's alone.
    expect(restoreWebhookUrl(shown(TEAMS).replace('000000000001@', '000000000009@'), TEAMS)).toBeNull();
  });

  it('refuses (400) a *** the stored URL has no secret for, never storing it', () => {
    // Before: a trailing dot was no known host, and the *** was stored as the token.
    expect(() => restoredWebhookUrl('https://open.feishu.cn./open-apis/bot/v2/hook/***', FEISHU)).toThrow(/password_required/);
    expect(() => restoredWebhookUrl('https://gis.example.cn/hooks/xl?token=***', 'https://gis.example.cn/hooks/xl')).toThrow(/token= value is \*\*\*/);
    expect(() => restoredWebhookUrl('https://siren:***@10.20.0.9/api/alarm', 'https://siren@10.20.0.9/api/alarm')).toThrow(/password is \*\*\*/);
    expect(restoredWebhookUrl(shown(TELEGRAM), TELEGRAM)).toBe(TELEGRAM);
  });
});

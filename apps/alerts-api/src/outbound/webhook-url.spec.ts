import '../testing/nest-esm';
import { restoreWebhookUrl } from './webhook-url';
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

import { resolveOutboundOptions } from '../outbound/outbound.options';
import { resolveRealtimeOptions } from './realtime.options';

describe('realtime and outbound options', () => {
  it('take defaults, then the environment, then explicit values', () => {
    const defaults = resolveRealtimeOptions({}, {});
    expect(defaults).toMatchObject({
      backlogMaxLen: 10_000,
      path: '/ws',
      heartbeatMs: 15_000,
      headCheckMs: 2000,
      maxQueuedMessages: 1000,
    });
    expect(resolveRealtimeOptions({}, { XL_PUSH_BACKLOG: '500', XL_WS_HEARTBEAT_MS: '2000', XL_PUSH_HEAD_CHECK_MS: '5000' })).toMatchObject({
      backlogMaxLen: 500,
      heartbeatMs: 2000,
      headCheckMs: 5000,
    });
    expect(resolveRealtimeOptions({ backlogMaxLen: 50 }, { XL_PUSH_BACKLOG: '500' }).backlogMaxLen).toBe(50);
    expect(resolveOutboundOptions({}, {})).toMatchObject({ mqttUrl: null, webhookMaxAttempts: 8 });
    expect(resolveOutboundOptions({}, { MQTT_URL: 'mqtt://broker:1883', XL_WEBHOOK_MAX_ATTEMPTS: '3' })).toMatchObject({
      mqttUrl: 'mqtt://broker:1883',
      webhookMaxAttempts: 3,
    });
  });

  it('name every bad option and its bound in one error', () => {
    expect(() => resolveRealtimeOptions({ backlogMaxLen: 5 }, { XL_WS_HEARTBEAT_MS: 'often' })).toThrow(
      /invalid realtime options: backlogMaxLen: .*>=10.*; heartbeatMs: .*expected number/,
    );
    expect(() => resolveRealtimeOptions({ maxQueuedMessages: 50, replayPageSize: 100 }, {})).toThrow(
      /maxQueuedMessages 50 must be >= replayPageSize 100/,
    );
    expect(() => resolveOutboundOptions({}, { MQTT_URL: 'http://broker' })).toThrow(/mqttUrl: must be mqtt:\/\//);
    expect(() => resolveRealtimeOptions({ unknown: 1 } as object, {})).toThrow(/Unrecognized key/);
  });
});

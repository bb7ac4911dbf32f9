import { connectAsync, type MqttClient } from 'mqtt';

/** The broker tests use: $XL_TEST_MQTT_URL or a local Mosquitto without auth. */
export const TEST_BROKER = process.env.XL_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export async function brokerAnswers(): Promise<boolean> {
  try {
    const probe = await connectAsync(TEST_BROKER, { connectTimeout: 1000, reconnectPeriod: 0 });
    await probe.endAsync();
    return true;
  } catch {
    return false;
  }
}

/** true when a broker answers; without one a test is skipped, or fails under CI. */
export async function requireBroker(): Promise<boolean> {
  const available = await brokerAnswers();
  if (!available && process.env.CI) throw new Error(`no MQTT broker answers at ${TEST_BROKER} (XL_TEST_MQTT_URL)`);
  if (!available) console.warn(`skipping MQTT tests: no broker at ${TEST_BROKER}`);
  return available;
}

export interface ReceivedMessage {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A real subscriber (QoS 1) recording every message. */
export async function subscribe(
  topic: string,
  broker = TEST_BROKER,
): Promise<{ client: MqttClient; got: ReceivedMessage[] }> {
  const client = await connectAsync(broker, { reconnectPeriod: 0 });
  const got: ReceivedMessage[] = [];
  client.on('message', (t, payload, packet) =>
    got.push({ topic: t, payload: payload.toString(), retain: packet.retain }),
  );
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, got };
}

import { duplicateClient, type RedisClient } from './redis-client';
import { parseStoredCamera, type CameraConfig } from '@xl/config';
import { CAMERA_CONFIG_CHANNEL, CAMERA_CONFIG_HASH, type ConfigChangedMessage } from '@xl/contracts';
import { hashFields } from './hash-fields';
import { pipelineResults } from './scripts';

export interface CameraConfigStoreOptions {
  /**
   * Prepended to the hash, revision key and channel.
   * @defaultValue ''
   */
  keyPrefix?: string;
}

export interface LoadedCameras {
  cameras: CameraConfig[];
  /** Published entries that failed validation: left out, reported here. */
  errors: { cameraId: string; message: string }[];
}

/**
 * The effective camera configuration in Redis: hash CAMERA_CONFIG_HASH (cameraId → CameraConfig JSON),
 * a revision counter, and a ConfigChangedMessage on CAMERA_CONFIG_CHANNEL after every change. The API
 * publishes; ingest and analyzer read and follow, so they work while the API is down.
 */
export class CameraConfigStore {
  readonly hashKey: string;
  readonly revisionKey: string;
  readonly channel: string;

  constructor(
    private readonly redis: RedisClient,
    options: CameraConfigStoreOptions = {},
  ) {
    const prefix = options.keyPrefix ?? '';
    this.hashKey = prefix + CAMERA_CONFIG_HASH;
    this.revisionKey = `${prefix}${CAMERA_CONFIG_HASH}:revision`;
    this.channel = prefix + CAMERA_CONFIG_CHANNEL;
  }

  /** Every published camera, validated. */
  async load(): Promise<LoadedCameras> {
    return parseEntries(Object.entries(await this.redis.hgetall(this.hashKey)));
  }

  /** The given cameras; ids without an entry are simply absent from the result (removed). */
  async loadSome(cameraIds: string[]): Promise<LoadedCameras> {
    return parseEntries([...(await hashFields(this.redis, this.hashKey, cameraIds))]);
  }

  async revision(): Promise<number> {
    return Number((await this.redis.get(this.revisionKey)) ?? 0);
  }

  /**
   * Calls `onChange` for every change announcement, and with an empty `cameraIds` ("reload all")
   * each time the subscription is back after a reconnect: pub/sub keeps nothing for a connection that
   * was down, so a change announced meanwhile would never be applied. On a Redis Cluster ioredis
   * moves the subscription to another node without a 'ready' here: callers also poll revision()
   * (ingest and the analyzer read it every CONFIG_POLL_MS). Uses a connection of its own (a
   * subscribed connection can do nothing else); `close()` ends it.
   */
  async subscribe(onChange: (message: ConfigChangedMessage) => void): Promise<{ close(): Promise<void> }> {
    const subscriber = duplicateClient(this.redis);
    // It reconnects and resubscribes by itself; the main connection's handler already reports the
    // outage. Without a listener ioredis prints every reconnect error as "Unhandled error event".
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      let message: ConfigChangedMessage = { cameraIds: [], revision: 0 };
      try {
        const parsed = JSON.parse(text) as Partial<ConfigChangedMessage>;
        message = { cameraIds: Array.isArray(parsed.cameraIds) ? parsed.cameraIds : [], revision: Number(parsed.revision ?? 0) };
      } catch {
        // unreadable: treat as "reload all"
      }
      onChange(message);
    });
    let subscribed = false;
    subscriber.on('ready', () => {
      if (!subscribed) return; // the first connection: the caller loads after subscribing
      // ioredis resubscribes right after 'ready'; a PING queued behind it answers once it took effect,
      // so a change announced from then on is not missed between the reload and the subscription.
      void subscriber.ping().then(
        () => onChange({ cameraIds: [], revision: 0 }),
        () => onChange({ cameraIds: [], revision: 0 }),
      );
    });
    await subscriber.subscribe(this.channel);
    subscribed = true;
    return {
      close: async () => {
        await subscriber.quit().catch(() => subscriber.disconnect());
      },
    };
  }

  /**
   * Replaces the published configuration with `cameras` and announces the ids that changed, were
   * added or were removed. Nothing is written or announced when nothing changed (returns null).
   */
  async publish(cameras: CameraConfig[]): Promise<ConfigChangedMessage | null> {
    const current = await this.redis.hgetall(this.hashKey);
    const next = new Map(cameras.map((c) => [c.id, JSON.stringify(c)]));
    const changed = [...next].filter(([id, json]) => current[id] !== json).map(([id]) => id);
    const removed = Object.keys(current).filter((id) => !next.has(id));
    if (!changed.length && !removed.length) return null;
    const tx = this.redis.multi();
    if (changed.length) tx.hset(this.hashKey, Object.fromEntries(changed.map((id) => [id, next.get(id)!])));
    if (removed.length) tx.hdel(this.hashKey, ...removed);
    tx.incr(this.revisionKey);
    const results = pipelineResults(await tx.exec());
    const message: ConfigChangedMessage = { cameraIds: [...changed, ...removed], revision: Number(results[results.length - 1]) };
    await this.redis.publish(this.channel, JSON.stringify(message));
    return message;
  }
}

function parseEntries(entries: [string, string][]): LoadedCameras {
  const cameras: CameraConfig[] = [];
  const errors: LoadedCameras['errors'] = [];
  for (const [cameraId, json] of entries) {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      // JSON.parse's message quotes the text, i.e. the camera URL with its password.
      errors.push({ cameraId, message: `camera '${cameraId}': published configuration is not valid JSON` });
      continue;
    }
    try {
      cameras.push(parseStoredCamera(raw));
    } catch (err) {
      errors.push({ cameraId, message: (err as Error).message });
    }
  }
  return { cameras, errors };
}

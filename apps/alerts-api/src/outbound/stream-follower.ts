import type { RedisClient } from '@xl/queue';
import type { Logger } from '@xl/observability';
import { parseLogEvent, type LogEvent } from '../realtime/event-log';
import { ConsumerHeartbeat, livenessKey, takeOverDeadConsumers, type StreamEntry } from './consumer-liveness';

export interface StreamFollowerOptions {
  /** Consumer group: each event is handled by one instance of the group. */
  group: string;
  /** This instance's name inside the group. */
  consumer: string;
  blockMs: number;
  batch: number;
  /** Entries another consumer has held unacknowledged this long are claimed (it died). */
  claimIdleMs: number;
  /**
   * TTL of this consumer's liveness key. Entries of a consumer without one are claimed at once; a
   * check runs every third of it, which also bounds blockMs.
   */
  livenessTtlMs: number;
}

/**
 * Follows the push event log with a Redis consumer group: every event is handed to `handle` by one
 * instance and acknowledged only after `handle` resolved, so an instance dying mid-batch loses
 * nothing: its entries are claimed by another as soon as its liveness key is gone (within
 * livenessTtlMs of a crash), or after claimIdleMs should it hang with its key alive. `handle` must be
 * idempotent. Uses its own connection (blocking reads) and `control` (shared, never blocked) for
 * its liveness key.
 */
export class StreamFollower {
  private stopping = false;
  private processing = false;
  private running: Promise<void> | undefined;
  // Monotonic (performance.now()): a step back of the host's wall clock held the claims of dead
  // consumers' entries for the length of the step.
  private lastClaim = -Infinity;
  private lastDeadCheck = -Infinity;
  private claimCursor = '0-0';
  private readonly heartbeat: ConsumerHeartbeat;

  constructor(
    private readonly conn: RedisClient,
    private readonly streamKey: string,
    private readonly options: StreamFollowerOptions,
    private readonly handle: (events: LogEvent[]) => Promise<void>,
    private readonly logger: Logger,
    control: RedisClient,
  ) {
    // Reconnects by itself; failed reads are logged by the loop. Without a listener ioredis prints
    // every reconnect error of a Redis outage as "Unhandled error event".
    conn.on('error', () => undefined);
    const key = livenessKey(streamKey, options.group, options.consumer);
    this.heartbeat = new ConsumerHeartbeat(control, key, options.livenessTtlMs, logger);
  }

  /** Creates the group at the stream's end if it is new: a new subscriber starts with new events. */
  async start(): Promise<void> {
    try {
      await this.conn.xgroup('CREATE', this.streamKey, this.options.group, '$', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    await this.heartbeat.start();
    this.running = this.run();
  }

  /**
   * Lets a batch being handled finish and be acknowledged (else another instance would deliver it
   * again at once), then deletes the liveness key: what this consumer still holds is taken over.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.processing) this.disconnect(); // ends a blocking read now
    await this.running;
    this.disconnect();
    await this.heartbeat.stop();
  }

  /** Once: a second disconnect of a closed stream leaves ioredis' 2 s destroy timer running. */
  private disconnect(): void {
    if (this.conn.status === 'end') return;
    this.conn.disconnect();
  }

  private async run(): Promise<void> {
    let ownPending = true; // after a failure (or at start), re-read what this consumer holds
    let failures = 0;
    while (!this.stopping) {
      try {
        const entries = (await this.claimStale()) ?? (await this.read(ownPending ? '0' : '>'));
        if (entries.length === 0) {
          ownPending = false;
          continue;
        }
        this.processing = true;
        await this.process(entries).finally(() => (this.processing = false));
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        if (String((err as Error).message).startsWith('NOGROUP')) {
          // Redis lost the stream and its group (restarted without persistence, flushed, failed over
          // to a replica that had not got them): without this, webhooks and MQTT would stay silent
          // until alerts-api restarts. The new stream holds only events since the loss: take them all.
          await this.recreateGroup().catch(() => undefined);
          ownPending = false;
          continue;
        }
        failures++;
        ownPending = true;
        this.logger.error({ err, group: this.options.group, failures }, 'outbound follower failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 200 * 2 ** Math.min(failures, 8))));
      }
    }
  }

  private async recreateGroup(): Promise<void> {
    try {
      await this.conn.xgroup('CREATE', this.streamKey, this.options.group, '0', 'MKSTREAM');
      this.logger.warn({ group: this.options.group, stream: this.streamKey }, 'consumer group was gone (Redis lost its data?); created again from the start of the stream');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err; // another instance was first
    }
    this.claimCursor = '0-0';
  }

  private async process(entries: StreamEntry[]): Promise<void> {
    const events: LogEvent[] = [];
    for (const [, fields] of entries) {
      // An entry trimmed from the backlog before it was handled comes back without fields.
      if (!fields?.[1]) {
        this.logger.error({ group: this.options.group }, 'an event left the backlog before it was delivered');
        continue;
      }
      // One entry nobody can read (written by another version, damaged) is skipped, not retried for
      // ever: retrying would hold every later webhook and MQTT message behind it.
      try {
        events.push(parseLogEvent(fields[1]));
      } catch (err) {
        this.logger.error({ group: this.options.group, err: (err as Error).message }, 'skipping a malformed event in the backlog');
      }
    }
    if (events.length > 0) await this.handle(events);
    await this.conn.xack(this.streamKey, this.options.group, ...entries.map(([id]) => id));
  }

  private async read(from: '0' | '>'): Promise<StreamEntry[]> {
    const reply = (await this.conn.xreadgroup(
      'GROUP',
      this.options.group,
      this.options.consumer,
      'COUNT',
      this.options.batch,
      'BLOCK',
      Math.min(this.options.blockMs, this.deadCheckMs),
      'STREAMS',
      this.streamKey,
      from,
    )) as [string, StreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  private get deadCheckMs(): number {
    return Math.floor(this.options.livenessTtlMs / 3);
  }

  /** Now and then, takes over entries a dead instance read but never acknowledged. */
  private async claimStale(): Promise<StreamEntry[] | null> {
    if (performance.now() - this.lastDeadCheck >= this.deadCheckMs) {
      const { group, consumer, batch } = this.options;
      const taken = await takeOverDeadConsumers(this.conn, this.streamKey, group, consumer, batch, this.logger);
      if (taken.length > 0) return taken; // checked again at once: the dead consumer may hold more
      this.lastDeadCheck = performance.now();
    }
    if (performance.now() - this.lastClaim < this.options.claimIdleMs / 2) return null;
    const [cursor, entries] = (await this.conn.xautoclaim(
      this.streamKey,
      this.options.group,
      this.options.consumer,
      this.options.claimIdleMs,
      this.claimCursor,
      'COUNT',
      this.options.batch,
    )) as [string, StreamEntry[], string[]];
    this.claimCursor = cursor;
    if (cursor === '0-0') this.lastClaim = performance.now();
    return entries.length > 0 ? entries : null;
  }
}

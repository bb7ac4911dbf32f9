import { duplicateClient, type RedisClient } from '@xl/queue';
import type { CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { parseStatusEntry } from '../camera-status/status-event';

type StreamEntries = [string, string[]][];

export interface IngestStatusFollowerOptions {
  blockMs: number;
  /** Entries per XREVRANGE page while seeding; the seed pages through the whole stream. */
  seedPageEntries: number;
  /**
   * The stored status of cameras (the database's, kept by CameraStatusService from this stream): the
   * seed's answer for a camera with no entry left in the stream, which ingest trims to ~10,000
   * entries while it reports an outage only once. Empty by default.
   */
  storedStatuses: () => Promise<CameraStatusEvent[]>;
}

const DEFAULT_OPTIONS: IngestStatusFollowerOptions = { blockMs: 5000, seedPageEntries: 1000, storedStatuses: async () => [] };

/**
 * Follows ingest's camera status stream on a connection of its own, every instance all of it (no
 * shared offset, unlike CameraStatusService, which handles each entry once for the whole cluster):
 * each instance's live view needs every camera's analysis state. It starts from the newest entry of
 * each camera in the stream (or the stored status of a camera the stream no longer holds), then
 * reads on from there, so a reconnect misses nothing.
 */
export class IngestStatusFollower {
  private conn: RedisClient | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly options: IngestStatusFollowerOptions;

  constructor(
    private readonly redis: RedisClient,
    private readonly streamKey: string,
    private readonly onEvent: (event: CameraStatusEvent) => void,
    private readonly logger: Logger,
    options: Partial<IngestStatusFollowerOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.conn = duplicateClient(this.redis);
    this.conn.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'ingest status follower connection error'));
    this.loop = this.follow();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.conn?.disconnect();
    await this.loop;
  }

  private async follow(): Promise<void> {
    let from: string | null = null;
    while (this.running) {
      try {
        if (from === null) from = await this.seed();
        const reply = (await this.conn!.xread('COUNT', 100, 'BLOCK', this.options.blockMs, 'STREAMS', this.streamKey, from)) as [string, StreamEntries][] | null;
        for (const [id, fields] of reply?.[0]?.[1] ?? []) {
          from = id;
          const event = parseStatusEntry(fields);
          if (event) this.deliver(event);
        }
      } catch (err) {
        if (!this.running) return;
        this.logger.warn({ err: (err as Error).message }, 'ingest status follower read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /**
   * Hands on each camera's newest entry in the whole stream, oldest first, after the stored status of
   * the cameras without one; returns where to read on from. The stored statuses are read first: when
   * that fails, the seed fails (and is retried) before handing on anything.
   */
  private async seed(): Promise<string> {
    const stored = await this.options.storedStatuses().catch((err: Error) => {
      throw new Error(`stored camera statuses not read for the seed of ${this.streamKey}: ${err.message}`);
    });
    const newestFirst: CameraStatusEvent[] = [];
    const seen = new Set<string>();
    let readFrom: string | null = null;
    // Pages backwards from the newest entry: ingest reports an outage once, so a camera's newest
    // entry may be any number of other cameras' entries back.
    for (let end = '+'; ; ) {
      const page = (await this.conn!.xrevrange(this.streamKey, end, '-', 'COUNT', this.options.seedPageEntries)) as StreamEntries;
      readFrom ??= page[0]?.[0] ?? '0';
      for (const [, fields] of page) {
        const event = parseStatusEntry(fields);
        if (!event || seen.has(event.cameraId)) continue;
        seen.add(event.cameraId);
        newestFirst.push(event);
      }
      if (page.length < this.options.seedPageEntries) break;
      end = `(${page[page.length - 1][0]}`;
    }
    for (const event of stored) if (!seen.has(event.cameraId)) this.deliver(event);
    for (const event of newestFirst.reverse()) this.deliver(event);
    return readFrom;
  }

  private deliver(event: CameraStatusEvent): void {
    try {
      this.onEvent(event);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, cameraId: event.cameraId }, 'ingest status event not handled');
    }
  }
}

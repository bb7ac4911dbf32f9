import { duplicateClient, type RedisClient } from '@xl/queue';
import type { CameraStatusEvent } from '@xl/contracts';
import type { Logger } from '@xl/observability';
import { parseStatusEntry } from '../camera-status/status-event';

type StreamEntries = [string, string[]][];

/**
 * Follows ingest's camera status stream on a connection of its own, every instance all of it (no
 * shared offset, unlike CameraStatusService, which handles each entry once for the whole cluster):
 * each instance's live view needs every camera's analysis state. It starts from the newest entry of
 * each camera still in the stream, then reads on from there, so a reconnect misses nothing.
 */
export class IngestStatusFollower {
  private conn: RedisClient | null = null;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly redis: RedisClient,
    private readonly streamKey: string,
    private readonly onEvent: (event: CameraStatusEvent) => void,
    private readonly logger: Logger,
    private readonly options: { blockMs: number; seedEntries: number } = { blockMs: 5000, seedEntries: 1000 },
  ) {}

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
          this.deliver(fields);
        }
      } catch (err) {
        if (!this.running) return;
        this.logger.warn({ err: (err as Error).message }, 'ingest status stream read failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Hands on the newest recent entry of each camera, oldest first; returns where to read on from. */
  private async seed(): Promise<string> {
    const newestFirst = (await this.conn!.xrevrange(this.streamKey, '+', '-', 'COUNT', this.options.seedEntries)) as StreamEntries;
    const seen = new Set<string>();
    const latest: string[][] = [];
    for (const [, fields] of newestFirst) {
      const event = parseStatusEntry(fields);
      if (!event || seen.has(event.cameraId)) continue;
      seen.add(event.cameraId);
      latest.push(fields);
    }
    for (const fields of latest.reverse()) this.deliver(fields);
    return newestFirst[0]?.[0] ?? '0';
  }

  private deliver(fields: string[]): void {
    const event = parseStatusEntry(fields);
    if (!event) return;
    try {
      this.onEvent(event);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, cameraId: event.cameraId }, 'ingest status event not handled');
    }
  }
}

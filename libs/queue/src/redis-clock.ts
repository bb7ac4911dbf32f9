import type { RedisClient } from './redis-client';

/** An offset larger than this is worth a warning in the logs: the host's clock needs NTP. */
export const CLOCK_OFFSET_WARN_MS = 2000;

/** Where a process reports its clock: the offset gauge (seconds) and the log. */
export interface ClockReport {
  gauge: { set(value: number): void };
  log: { warn(obj: object, msg: string): void };
}

export interface RedisClockOptions {
  /** How often the offset is measured again, in ms (default 30 000; 1 000..3 600 000). */
  intervalMs?: number;
  /** Called after each measurement with the offset (Redis minus this host, ms) and the round trip it took. */
  onMeasured?: (offsetMs: number, roundTripMs: number) => void;
  /** Called when a measurement fails (the last offset stays in use). */
  onError?: (err: Error) => void;
}

/**
 * The Redis server's time, followed from this host. Every process that stamps or judges frames reads
 * it: ingest stamps capture times, the analyzer drops frames older than MAX_FRAME_AGE_MS and the rules
 * time everything by capture time. With each host's own clock, an edge box whose clock is off (no
 * NTP in a village cabinet) made every frame of its cameras "stale" to the analyzer: no alert at all,
 * and the camera still reported online. `now()` is Date.now() plus the offset last measured with
 * TIME (half the round trip allowed for), measured at start and every `intervalMs`.
 */
export class RedisClock {
  private offsetMs = 0;
  private timer?: NodeJS.Timeout;
  private readonly intervalMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisClockOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
    if (!(this.intervalMs >= 1000 && this.intervalMs <= 3_600_000)) throw new RangeError(`RedisClock: intervalMs ${this.intervalMs} must be in 1000..3600000`);
  }

  /** Epoch ms by the Redis server's clock (bound: pass it around as a function). */
  readonly now = (): number => Date.now() + this.offsetMs;

  /** Redis minus this host, ms, as last measured. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Measures the offset once; rejects when Redis does not answer (the previous offset stays). */
  async measure(): Promise<number> {
    const sent = Date.now();
    const [seconds, micros] = await this.redis.time();
    const received = Date.now();
    const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    if (!Number.isFinite(server)) throw new Error(`RedisClock: TIME answered ${JSON.stringify([seconds, micros])}`);
    this.offsetMs = Math.round(server - (sent + received) / 2);
    this.options.onMeasured?.(this.offsetMs, received - sent);
    return this.offsetMs;
  }

  /** Measures now (must succeed: a process must not stamp frames by a clock it could not check), then periodically. */
  async start(): Promise<void> {
    await this.measure();
    this.timer = setInterval(() => void this.measure().catch((err: Error) => this.options.onError?.(err)), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A RedisClock measured now and every 30 s; the offset goes to `report.gauge`, large ones and failures to its log. */
export async function startRedisClock(redis: RedisClient, report: ClockReport): Promise<RedisClock> {
  const clock = new RedisClock(redis, {
    onMeasured: (offsetMs) => {
      report.gauge.set(offsetMs / 1000);
      if (Math.abs(offsetMs) > CLOCK_OFFSET_WARN_MS) report.log.warn({ offsetMs }, "this host's clock is off the Redis server's; times are taken from Redis's clock — set up NTP here");
    },
    onError: (err) => report.log.warn({ err: err.message }, 'measuring the clock offset to Redis failed; keeping the last one'),
  });
  await clock.start();
  return clock;
}

import type { RedisClient } from './redis-client';

/** An offset larger than this is worth a warning in the logs: the host's clock needs NTP. */
export const CLOCK_OFFSET_WARN_MS = 2000;

/**
 * A TIME answered with a longer round trip than this does not move the offset (unless the offset in
 * use came from a slower one). The offset is the server's time minus the middle of the round trip,
 * off by up to half of it: a TIME that ioredis queued during an outage and sent at the reconnect, 3 s
 * later, moved the offset by 1.5 s with the clocks in step, and a longer outage by more.
 */
export const MAX_CLOCK_ROUND_TRIP_MS = 500;

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
  /** Round trips longer than this are not taken (MAX_CLOCK_ROUND_TRIP_MS by default; 1..60 000). */
  maxRoundTripMs?: number;
  /** Called instead of onMeasured when a measurement's round trip was too long to take: the last offset stays in use. */
  onRejected?: (roundTripMs: number, offsetMs: number) => void;
}

/**
 * The Redis server's time, followed from this host. Every process that stamps or judges frames reads
 * it: ingest stamps capture times, the analyzer drops frames older than MAX_FRAME_AGE_MS and the rules
 * time everything by capture time. With each host's own clock, an edge box whose clock is off (no
 * NTP in a village cabinet) made every frame of its cameras "stale" to the analyzer: no alert at all,
 * and the camera still reported online. `now()` is Date.now() plus the offset last measured with
 * TIME (half the round trip allowed for), measured at start and every `intervalMs`.
 *
 * A measurement whose round trip is over `maxRoundTripMs` is not taken, unless it is shorter than the
 * one the offset in use came from: so the first measurement is always taken (an offset off by half a
 * slow round trip is still nearer than this host's own clock, which may be minutes off) and the next
 * quick one corrects it, while a TIME held up by an outage never moves an offset measured quickly.
 */
export class RedisClock {
  private offsetMs = 0;
  /** Round trip of the measurement offsetMs came from (Infinity before the first). */
  private offsetRoundTripMs = Infinity;
  private timer?: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly maxRoundTripMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisClockOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
    if (!(this.intervalMs >= 1000 && this.intervalMs <= 3_600_000)) throw new RangeError(`RedisClock: intervalMs ${this.intervalMs} must be in 1000..3600000`);
    this.maxRoundTripMs = options.maxRoundTripMs ?? MAX_CLOCK_ROUND_TRIP_MS;
    if (!(this.maxRoundTripMs >= 1 && this.maxRoundTripMs <= 60_000)) throw new RangeError(`RedisClock: maxRoundTripMs ${this.maxRoundTripMs} must be in 1..60000`);
  }

  /** Epoch ms by the Redis server's clock (bound: pass it around as a function). */
  readonly now = (): number => Date.now() + this.offsetMs;

  /** Redis minus this host, ms, as last measured. */
  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Measures the offset once and resolves with the offset in use: the new one, or the previous one
   * when the round trip was too long to take (see the class). Rejects when Redis does not answer
   * (the previous offset stays).
   */
  async measure(): Promise<number> {
    const sent = Date.now();
    const [seconds, micros] = await this.redis.time();
    const received = Date.now();
    const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    if (!Number.isFinite(server)) throw new Error(`RedisClock: TIME answered ${JSON.stringify([seconds, micros])}`);
    const roundTripMs = received - sent;
    if (roundTripMs > this.maxRoundTripMs && roundTripMs >= this.offsetRoundTripMs) {
      this.options.onRejected?.(roundTripMs, this.offsetMs);
      return this.offsetMs;
    }
    this.offsetMs = Math.round(server - (sent + received) / 2);
    this.offsetRoundTripMs = roundTripMs;
    this.options.onMeasured?.(this.offsetMs, roundTripMs);
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
    onRejected: (roundTripMs, offsetMs) =>
      report.log.warn({ roundTripMs, maxRoundTripMs: MAX_CLOCK_ROUND_TRIP_MS, offsetMs }, 'clock measurement against Redis took too long to be accurate (Redis slow or just reconnected); keeping the last offset'),
  });
  await clock.start();
  return clock;
}

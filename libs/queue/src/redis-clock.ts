import type { RedisClient } from './redis-client';

/** An offset larger than this is worth a warning in the logs: the host's clock needs NTP. */
export const CLOCK_OFFSET_WARN_MS = 2000;

/**
 * A TIME answered with a longer round trip than this does not move the offset (unless the offset in
 * use came from a slower one, or is old: OFFSET_DRIFT_MS_PER_MS). The offset is the server's time
 * minus the middle of the round trip, off by up to half of it: a TIME that ioredis queued during an
 * outage and sent at the reconnect, 3 s later, moved the offset by 1.5 s with the clocks in step, and
 * a longer outage by more.
 */
export const MAX_CLOCK_ROUND_TRIP_MS = 500;

/**
 * How fast the offset in use is taken to go out of date: 1 ms a second (ten times a poor crystal's
 * drift). A measurement's offset is off by up to half its round trip, the offset in use by up to half
 * of its own plus its drift since; so once old enough, the offset gives way to a measurement with a
 * round trip over the bound — on a congested link every TIME took over 500 ms, and the offset taken
 * from one quick answer was kept for ever while the clocks drifted apart. A TIME held up by an outage
 * (20 s) still needs an offset hours old to be taken.
 */
export const OFFSET_DRIFT_MS_PER_MS = 0.001;

/**
 * A change of the offset by more than this is a step of a clock, not measurement noise (quick
 * measurements differ by less than MAX_CLOCK_ROUND_TRIP_MS): the offset before it stays known for a
 * while (RedisClock.previousNow).
 */
export const CLOCK_STEP_MS = 1000;

/** The offset before a step is known for the measuring interval plus this: until every other process has measured the step too. */
export const STEP_MEMORY_MARGIN_MS = 5000;

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
  /** Monotonic ms for the age of the offset and of a step (default performance.now). */
  monotonicNow?: () => number;
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
 * one the offset in use came from, that one's round trip growing with its age (OFFSET_DRIFT_MS_PER_MS):
 * so the first measurement is always taken (an offset off by half a slow round trip is still nearer
 * than this host's own clock, which may be minutes off) and the next quick one corrects it, a TIME held
 * up by an outage does not move an offset measured quickly, and on a link where every TIME is slow the
 * offset still follows the clocks' drift (one of 800 ms is taken once the offset is ~7 minutes old).
 *
 * Other processes measure the same clock at their own moments: after a step (CLOCK_STEP_MS) they stamp
 * by the offset before it until they measure too. `previousNow()` gives that clock for a while.
 */
export class RedisClock {
  private offsetMs = 0;
  /** Round trip of the measurement offsetMs came from (Infinity before the first). */
  private offsetRoundTripMs = Infinity;
  /** Monotonic ms at which offsetMs was taken. */
  private offsetTakenAt = 0;
  /** The offset in use before the last step, and until when (monotonic ms) it is remembered. */
  private beforeStep: { offsetMs: number; until: number } | null = null;
  private timer?: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly maxRoundTripMs: number;
  private readonly monotonicNow: () => number;

  constructor(
    private readonly redis: RedisClient,
    private readonly options: RedisClockOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
    if (!(this.intervalMs >= 1000 && this.intervalMs <= 3_600_000)) throw new RangeError(`RedisClock: intervalMs ${this.intervalMs} must be in 1000..3600000`);
    this.maxRoundTripMs = options.maxRoundTripMs ?? MAX_CLOCK_ROUND_TRIP_MS;
    if (!(this.maxRoundTripMs >= 1 && this.maxRoundTripMs <= 60_000)) throw new RangeError(`RedisClock: maxRoundTripMs ${this.maxRoundTripMs} must be in 1..60000`);
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /** Epoch ms by the Redis server's clock (bound: pass it around as a function). */
  readonly now = (): number => Date.now() + this.offsetMs;

  /** Redis minus this host, ms, as last measured. */
  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Epoch ms by the offset in use before the last step, for the measuring interval plus
   * STEP_MEMORY_MARGIN_MS after this clock took the step; undefined otherwise (and before any step).
   */
  previousNow(): number | undefined {
    if (!this.beforeStep || this.monotonicNow() >= this.beforeStep.until) return undefined;
    return Date.now() + this.beforeStep.offsetMs;
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
    const takenAt = this.monotonicNow();
    const inUseCountsFor = this.offsetRoundTripMs + 2 * OFFSET_DRIFT_MS_PER_MS * (takenAt - this.offsetTakenAt);
    if (roundTripMs > this.maxRoundTripMs && roundTripMs >= inUseCountsFor) {
      this.options.onRejected?.(roundTripMs, this.offsetMs);
      return this.offsetMs;
    }
    const offsetMs = Math.round(server - (sent + received) / 2);
    // Not from the first measurement: before it, now() was this host's own clock, which nobody stamps by.
    if (Number.isFinite(this.offsetRoundTripMs) && Math.abs(offsetMs - this.offsetMs) > CLOCK_STEP_MS) {
      this.beforeStep = { offsetMs: this.offsetMs, until: takenAt + this.intervalMs + STEP_MEMORY_MARGIN_MS };
    }
    this.offsetMs = offsetMs;
    this.offsetRoundTripMs = roundTripMs;
    this.offsetTakenAt = takenAt;
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

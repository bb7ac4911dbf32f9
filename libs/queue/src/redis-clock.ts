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
 * A move of the followed clock at a measurement by more than this is a step of the Redis host's clock,
 * not measurement noise (quick measurements differ by less than MAX_CLOCK_ROUND_TRIP_MS): the clock
 * before it stays known for a while (RedisClock.previousNow). Also the bound on how far this host's
 * wall and monotonic clocks may disagree between two readings before a measurement starts at once.
 */
export const CLOCK_STEP_MS = 1000;

/** A wall clock reading whose monotonic bracket is wider than this is not compared (checkHostClock). */
const READING_MAX_SPAN_MS = 50;

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
  /** Monotonic ms for the age of the offset and of a step (default performance.now; now() itself always runs on performance.now). */
  monotonicNow?: () => number;
  /**
   * Called when this host's wall clock moved against its monotonic clock by more than CLOCK_STEP_MS
   * between two readings (an NTP step, a VM resume), with the wall's lead in ms; a measurement starts
   * at once when the clock is started. None by default.
   */
  onHostClockStep?: (stepMs: number) => void;
}

/**
 * The Redis server's time, followed from this host. Every process that stamps or judges frames reads
 * it: ingest stamps capture times, the analyzer drops frames older than MAX_FRAME_AGE_MS and the rules
 * time everything by capture time. With each host's own clock, an edge box whose clock is off (no
 * NTP in a village cabinet) made every frame of its cameras "stale" to the analyzer: no alert at all,
 * and the camera still reported online. `now()` is the server's time of the last measurement taken
 * (TIME, read at the middle of its round trip) plus the monotonic time elapsed since (performance.now),
 * measured at start and every `intervalMs`. Not this host's wall clock plus an offset: an NTP step or a
 * VM resume on an ingest box then moved every capture stamp by the step until the next measurement —
 * back 10 s, the analyzer dropped every frame of every camera on the box as stale; forward, the stamps
 * went back at the measurement and the analyzer threw away the tracks and vanish countdowns. The
 * monotonic clock is slewed by NTP, never stepped. As it may stop while a VM is paused, `now()` also
 * compares the wall and monotonic time elapsed between readings, and on a disagreement over
 * CLOCK_STEP_MS measures at once (onHostClockStep) rather than at the next interval.
 *
 * A measurement whose round trip is over `maxRoundTripMs` is not taken, unless it is shorter than the
 * one the offset in use came from, that one's round trip growing with its age (OFFSET_DRIFT_MS_PER_MS):
 * so the first measurement is always taken (an offset off by half a slow round trip is still nearer
 * than this host's own clock, which may be minutes off) and the next quick one corrects it, a TIME held
 * up by an outage does not move an offset measured quickly, and on a link where every TIME is slow the
 * offset still follows the clocks' drift (one of 800 ms is taken once the offset is ~7 minutes old).
 *
 * Other processes measure the same clock at their own moments: after a step of the Redis host's clock
 * (CLOCK_STEP_MS) they stamp by the clock before it until they measure too. `previousNow()` gives that
 * clock for a while. A move of the followed clock after this host's own clocks disagreed is no such
 * step (every other process followed Redis all along), and the clock in use then counts as off by the
 * disagreement when a slow measurement is weighed against it.
 */
export class RedisClock {
  private offsetMs = 0;
  /** The server's time of the measurement in use and performance.now() at the middle of its round trip: now() runs on from them (null before the first). */
  private anchor: { serverMs: number; monoMs: number } | null = null;
  /** Round trip of the measurement in use (Infinity before the first). */
  private offsetRoundTripMs = Infinity;
  /** Monotonic ms at which the measurement in use was taken. */
  private offsetTakenAt = 0;
  /** How far the followed clock moved at the last step (ms, new minus old), and until when (monotonic ms) the clock before it is remembered. */
  private beforeStep: { stepMs: number; until: number } | null = null;
  /** Wall and monotonic ms at the last reading, compared at the next (checkHostClock). */
  private lastReading = { wallMs: Date.now(), monoMs: performance.now() };
  /** The largest disagreement of this host's wall and monotonic clocks (ms) seen since the measurement in use; 0 when none. */
  private hostStepMs = 0;
  /** How many such disagreements were seen: a measurement in flight across one is taken again. */
  private hostSteps = 0;
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

  /** Epoch ms by the Redis server's clock (bound: pass it around as a function); this host's wall clock before the first measurement. */
  readonly now = (): number => {
    this.checkHostClock(true);
    return this.anchor ? Math.round(this.anchor.serverMs + performance.now() - this.anchor.monoMs) : Date.now();
  };

  /** Redis minus this host's wall clock, ms, as last measured. */
  get offset(): number {
    return this.offsetMs;
  }

  /**
   * Epoch ms by the followed clock as it ran before the last step of the Redis host's clock, for the
   * measuring interval plus STEP_MEMORY_MARGIN_MS after this clock took the step; undefined otherwise
   * (and before any step).
   */
  previousNow(): number | undefined {
    if (!this.beforeStep || this.monotonicNow() >= this.beforeStep.until) return undefined;
    return this.now() - this.beforeStep.stepMs;
  }

  /**
   * Compares the wall and monotonic time elapsed since the last reading: a disagreement over
   * CLOCK_STEP_MS is a step of this host's wall clock, or a pause of its monotonic clock (VM), and the
   * latter leaves now() behind; so it is reported and, when `measureNow` and the clock is started,
   * measured at once (a failure keeps the clock in use; the interval measures again).
   */
  private checkHostClock(measureNow: boolean): void {
    // The wall clock read between two monotonic reads: a thread descheduled between the reads (a busy
    // 2-core box) would otherwise look like a step back and then forward.
    const before = performance.now();
    const wallMs = Date.now();
    const after = performance.now();
    if (after - before > READING_MAX_SPAN_MS) return; // this reading is not precise enough; the next one is
    const reading = { wallMs, monoMs: (before + after) / 2 };
    const stepMs = Math.round(reading.wallMs - this.lastReading.wallMs - (reading.monoMs - this.lastReading.monoMs));
    this.lastReading = reading;
    if (Math.abs(stepMs) <= CLOCK_STEP_MS) return;
    // Only a wall clock that ran ahead of the monotonic one can mean the monotonic clock stood still
    // (a VM pause), the one case where the clock in use is behind; a step back never can.
    if (stepMs > 0) this.hostStepMs = Math.max(this.hostStepMs, stepMs);
    this.hostSteps++;
    this.options.onHostClockStep?.(stepMs);
    if (measureNow && this.timer) void this.measure().catch((err: Error) => this.options.onError?.(err));
  }

  /**
   * Measures the offset once and resolves with the offset in use: the new one, or the previous one
   * when the round trip was too long to take (see the class). Rejects when Redis does not answer
   * (the previous offset stays).
   */
  async measure(): Promise<number> {
    const first = await this.timeRoundTrip();
    // A pause of the monotonic clock during the TIME hides in a short round trip, and the server's time may be from before it: once more.
    const { server, sent, received } = first.acrossHostStep ? await this.timeRoundTrip() : first;
    const roundTripMs = Math.round(received - sent);
    const takenAt = this.monotonicNow();
    const inUseCountsFor = this.offsetRoundTripMs + 2 * OFFSET_DRIFT_MS_PER_MS * (takenAt - this.offsetTakenAt);
    let anchor = { serverMs: server, monoMs: (sent + received) / 2 };
    if (roundTripMs > this.maxRoundTripMs && roundTripMs >= inUseCountsFor) {
      // Too slow to take its midpoint (a TIME held up by an outage: off by up to half of it). After the
      // wall clock ran ahead of the monotonic one (a VM pause stops the latter), the clock in use may be
      // behind: move it only as far as this answer proves it wrong, to the nearest end of the round trip.
      const shift = this.anchor && this.hostStepMs > 0 ? outsideRoundTrip(this.anchor, server, sent, received) : 0;
      if (shift === 0) {
        this.options.onRejected?.(roundTripMs, this.offsetMs);
        return this.offsetMs;
      }
      anchor = { serverMs: this.anchor!.serverMs + shift, monoMs: this.anchor!.monoMs };
    }
    const stepMs = this.anchor ? Math.round(anchor.serverMs - (this.anchor.serverMs + anchor.monoMs - this.anchor.monoMs)) : 0;
    // Not from the first measurement (before it, now() was this host's own clock, which nobody stamps by),
    // nor after this host's own clocks disagreed (the move is this host's, not the Redis host's).
    if (this.anchor && this.hostStepMs === 0 && Math.abs(stepMs) > CLOCK_STEP_MS) {
      this.beforeStep = { stepMs, until: takenAt + this.intervalMs + STEP_MEMORY_MARGIN_MS };
    }
    this.anchor = anchor;
    this.hostStepMs = 0;
    this.offsetMs = Math.round(server - (Date.now() - (performance.now() - anchor.monoMs)));
    this.offsetRoundTripMs = roundTripMs;
    this.offsetTakenAt = takenAt;
    this.options.onMeasured?.(this.offsetMs, roundTripMs);
    return this.offsetMs;
  }

  /** One TIME, timed on the monotonic clock (a step of the wall clock during it made the round trip, and the offset, wrong). */
  private async timeRoundTrip(): Promise<{ server: number; sent: number; received: number; acrossHostStep: boolean }> {
    const hostStepsBefore = this.hostSteps;
    const sent = performance.now();
    const [seconds, micros] = await this.redis.time();
    const received = performance.now();
    const server = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    if (!Number.isFinite(server)) throw new Error(`RedisClock: TIME answered ${JSON.stringify([seconds, micros])}`);
    this.checkHostClock(false);
    return { server, sent, received, acrossHostStep: this.hostSteps !== hostStepsBefore };
  }

  /** Measures now (must succeed: a process must not stamp frames by a clock it could not check), then periodically. */
  async start(): Promise<void> {
    await this.measure();
    this.timer = setInterval(() => void this.measure().catch((err: Error) => this.options.onError?.(err)), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A RedisClock measured now and every 30 s; the offset goes to `report.gauge`, large ones and failures to its log. */
/**
 * How far the clock anchored at `a` lies outside what the server could have read between `sent` and
 * `received` (monotonic ms): the server's `server` before the clock's reading at `sent`, or after its
 * reading at `received`; 0 when within.
 */
function outsideRoundTrip(a: { serverMs: number; monoMs: number }, server: number, sent: number, received: number): number {
  const atSent = a.serverMs + sent - a.monoMs;
  const atReceived = a.serverMs + received - a.monoMs;
  return server < atSent - 1 ? server - atSent : server > atReceived + 1 ? server - atReceived : 0;
}

export async function startRedisClock(redis: RedisClient, report: ClockReport): Promise<RedisClock> {
  const clock = new RedisClock(redis, {
    onMeasured: (offsetMs) => {
      report.gauge.set(offsetMs / 1000);
      if (Math.abs(offsetMs) > CLOCK_OFFSET_WARN_MS) report.log.warn({ offsetMs }, "this host's clock is off the Redis server's; times are taken from Redis's clock — set up NTP here");
    },
    onError: (err) => report.log.warn({ err: err.message }, 'measuring the clock offset to Redis failed; keeping the last one'),
    onRejected: (roundTripMs, offsetMs) =>
      report.log.warn({ roundTripMs, maxRoundTripMs: MAX_CLOCK_ROUND_TRIP_MS, offsetMs }, 'clock measurement against Redis took too long to be accurate (Redis slow or just reconnected); keeping the last offset'),
    onHostClockStep: (stepMs) => report.log.warn({ stepMs }, "this host's wall clock stepped against its monotonic clock (NTP step or VM resume); times keep following Redis's clock, measuring it again now"),
  });
  await clock.start();
  return clock;
}

// How far behind real time a live camera's stream reaches us. Frames are stamped when they arrive,
// so a stream held up on the way — a congested village uplink buffering it, an overloaded ingest box
// whose kernel buffers fill — looks current while its pictures are seconds old, and every alert of
// the camera comes that much later. ffmpeg's progress line gives the stream time of the last frame
// it wrote; wall clock minus stream time is constant while the stream flows in real time and grows
// by exactly the time lost. Its lowest value so far is the baseline (network and decode latency are
// in it, and the camera's clock offset); the delay is how far the current value is above it.

/**
 * How fast the baseline may rise on its own, in ms per hour of wall clock: a camera whose clock runs
 * slow makes its stream time fall behind without any delay (±100 ppm is 0.36 s an hour); a real
 * hold-up grows much faster than this and is reported.
 */
export const BASELINE_DRIFT_MS_PER_HOUR = 1080;

export class StreamDelay {
  private baseline: number | null = null;
  private lastWallMs = 0;
  private lastStreamSeconds = -Infinity;

  /**
   * One progress reading: wall-clock ms when it was printed, stream seconds of the last frame
   * written. Returns the delay in seconds (≥ 0).
   */
  observe(wallMs: number, streamSeconds: number): number {
    const lag = wallMs - streamSeconds * 1000;
    // The stream's clock went back (the camera restarted its timestamps): start a new baseline.
    if (this.baseline === null || streamSeconds < this.lastStreamSeconds) this.baseline = lag;
    else this.baseline = Math.min(lag, this.baseline + ((wallMs - this.lastWallMs) * BASELINE_DRIFT_MS_PER_HOUR) / 3_600_000);
    this.lastWallMs = wallMs;
    this.lastStreamSeconds = streamSeconds;
    return (lag - this.baseline) / 1000;
  }
}

/** A stream arriving this late is logged (once, until it is back under half of it). */
export const STREAM_DELAY_WARN_SECONDS = 10;

/** What one progress reading means for a live reader. */
export interface DelayVerdict {
  seconds: number;
  /** The delay just reached STREAM_DELAY_WARN_SECONDS ('late') or fell back under half of it ('near_live'). */
  change: 'late' | 'near_live' | null;
  /**
   * The stream, still flowing, just reached `maxDelaySeconds`: reconnect. Said once per watch (one
   * connection); a stream that stopped (its time did not move on) is the stall watchdog's, not this.
   */
  reconnect: boolean;
}

/** One connection's delay and what the reader does about it: the warning log and the reconnect. */
export class StreamDelayWatch {
  private readonly delay = new StreamDelay();
  private late = false;
  private reconnectSaid = false;
  private lastStreamSeconds = -Infinity;

  /** `maxDelaySeconds` 0: never reconnect. */
  constructor(private readonly maxDelaySeconds: number) {}

  observe(wallMs: number, streamSeconds: number): DelayVerdict {
    const seconds = this.delay.observe(wallMs, streamSeconds);
    const flowing = streamSeconds > this.lastStreamSeconds;
    this.lastStreamSeconds = streamSeconds;
    let change: DelayVerdict['change'] = null;
    if (!this.late && seconds >= STREAM_DELAY_WARN_SECONDS) change = 'late';
    else if (this.late && seconds < STREAM_DELAY_WARN_SECONDS / 2) change = 'near_live';
    if (change) this.late = change === 'late';
    const max = this.maxDelaySeconds;
    const reconnect = max > 0 && seconds >= max && flowing && !this.reconnectSaid;
    if (reconnect) this.reconnectSaid = true;
    return { seconds, change, reconnect };
  }
}

/** Wall-clock source, injectable so that tests can pin time where they must. */
export abstract class Clock {
  abstract now(): number;
}

/**
 * The Redis server's time as a RedisClock (@xl/queue) follows it: the clock ingest stamps capture
 * times with and the analyzer judges them by, so escalation deadlines, maintenance windows, report
 * periods and the capture → push latency are all read on one clock.
 */
export class FollowedClock extends Clock {
  constructor(private readonly follow: () => number) {
    super();
  }

  now(): number {
    return this.follow();
  }
}

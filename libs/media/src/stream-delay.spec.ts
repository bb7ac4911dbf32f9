import { BASELINE_DRIFT_MS_PER_HOUR, StreamDelay, StreamDelayWatch } from './stream-delay';

const T0 = 1_796_000_000_000;

describe('StreamDelay', () => {
  it('reads 0 while the stream keeps pace with the wall clock, whatever their offset', () => {
    const d = new StreamDelay();
    // connected 0.8 s after the stream's time 0 (set-up, first keyframe)
    for (let s = 0; s < 60; s += 2) expect(d.observe(T0 + 800 + s * 1000, s)).toBeCloseTo(0, 6);
  });

  it('grows with the time the stream loses and shrinks as it catches up', () => {
    const d = new StreamDelay();
    d.observe(T0, 10);
    d.observe(T0 + 2000, 12);
    // a congested uplink: 2 s of wall clock bring 0.8 s of stream
    expect(d.observe(T0 + 4000, 12.8)).toBeCloseTo(1.2, 2);
    expect(d.observe(T0 + 6000, 13.6)).toBeCloseTo(2.4, 2);
    // the backlog arrives at once when the link frees
    expect(d.observe(T0 + 8000, 18)).toBeCloseTo(0, 6);
  });

  it('takes a reading earlier than every one before as the new baseline (the first ones came late)', () => {
    const d = new StreamDelay();
    d.observe(T0, 1); // the first progress line after a slow start
    expect(d.observe(T0 + 2000, 4)).toBe(0);
    expect(d.observe(T0 + 4000, 5.5)).toBeCloseTo(0.5, 2);
  });

  it('lets the baseline follow a camera clock that runs slow, but not a real hold-up', () => {
    const d = new StreamDelay();
    const hour = 3_600_000;
    d.observe(T0, 0);
    // 100 ppm slow: 0.36 s an hour behind the wall clock, absorbed
    expect(d.observe(T0 + 10 * hour, (10 * hour * (1 - 100e-6)) / 1000)).toBeCloseTo(0, 6);
    expect(BASELINE_DRIFT_MS_PER_HOUR).toBeGreaterThan(360);
    // 30 s lost within a minute is reported
    const at = T0 + 10 * hour + 60_000;
    expect(d.observe(at, (10 * hour * (1 - 100e-6) + 60_000 - 30_000) / 1000)).toBeGreaterThan(29.9);
  });

  it('starts a new baseline when the stream time goes back (the camera restarted its timestamps)', () => {
    const d = new StreamDelay();
    d.observe(T0, 500);
    d.observe(T0 + 2000, 502);
    expect(d.observe(T0 + 4000, 1)).toBe(0);
    expect(d.observe(T0 + 6000, 3)).toBeCloseTo(0, 6);
  });
});

describe('StreamDelayWatch', () => {
  /** Readings of one connection: [wall seconds, stream seconds] → [delay, change, reconnect]. */
  const watch = (max: number, readings: [number, number][]) => {
    const w = new StreamDelayWatch(max);
    return readings.map(([wall, stream]) => {
      const v = w.observe(T0 + wall * 1000, stream);
      return [Math.round(v.seconds * 10) / 10, v.change, v.reconnect];
    });
  };

  it('says once that the stream is late at 10 s, and once that it is back under 5 s', () => {
    expect(watch(0, [[0, 0], [12, 1.9], [14, 2], [20, 17], [22, 19]])).toEqual([
      [0, null, false],
      [10.1, 'late', false],
      [12, null, false],
      [3, 'near_live', false],
      [3, null, false],
    ]);
  });

  it('asks for one reconnect at maxDelaySeconds while the stream flows, none while it stands still, none with 0', () => {
    expect(watch(15, [[0, 0], [16, 1.5], [18, 2], [20, 2.5]]).map((r) => r[2])).toEqual([false, false, true, false]);
    expect(watch(15, [[0, 1], [20, 1], [22, 1]]).map((r) => r[2])).toEqual([false, false, false]); // stopped: the watchdog's
    expect(watch(0, [[0, 0], [100, 1]]).map((r) => r[2])).toEqual([false, false]);
  });
});

import { Hold } from './hold';

describe('Hold', () => {
  it('neutral samples pause a bad streak: they neither extend nor break it', () => {
    const hold = new Hold(6000, 2000);
    expect(hold.sample(0, 'bad')).toBeNull();
    for (let t = 1000; t <= 5000; t += 1000) expect(hold.sample(t, 'neutral')).toBeNull();
    // One bad sample, 5 s of neutral ones, another bad one: 1 s of bad time, not 6.
    expect(hold.sample(6000, 'bad')).toBeNull();
    expect(hold.since).toBe(5000);
    for (let t = 7000; t < 11_000; t += 1000) expect(hold.sample(t, 'bad')).toBeNull();
    expect(hold.sample(11_000, 'bad')).toBe('start');
    expect(hold.active).toBe(true);
    // Neutral samples for longer than onMs since the last bad one: the next bad one starts a new streak.
    const stale = new Hold(6000, 2000);
    stale.sample(0, 'bad');
    for (let t = 1000; t <= 6000; t += 1000) stale.sample(t, 'neutral');
    expect(stale.sample(7000, 'bad')).toBeNull();
    expect(stale.since).toBe(7000);
  });

  it('unknown samples are ignored: the time up to the next known sample goes with that sample', () => {
    const hold = new Hold(6000, 2000);
    hold.sample(0, 'bad');
    hold.sample(3000, 'unknown');
    hold.sample(4000, 'neutral'); // 0–4 s: neutral
    expect(hold.since).toBe(4000);
  });

  it('forgets a streak that saw no bad sample for longer than onMs (the camera is not kept hot by it)', () => {
    const hold = new Hold(6000, 2000);
    hold.sample(0, 'bad');
    hold.sample(6000, 'neutral');
    expect(hold.busy).toBe(true);
    hold.sample(6001, 'neutral');
    expect(hold.busy).toBe(false);
    expect(hold.since).toBeNull();
  });

  it('forgets a streak whose last bad sample is older than onMs whatever came since: unknown samples or no frames', () => {
    // camera_frozen, 6 s: a repeated frame, the camera reconnects, 30 s later two quiet frames are not "frozen for 30 s".
    const afterUnknown = new Hold(6000, 2000);
    afterUnknown.sample(0, 'bad');
    afterUnknown.sample(30_000, 'unknown');
    expect(afterUnknown.busy).toBe(false); // a stale streak does not keep the camera hot
    expect(afterUnknown.sample(30_500, 'bad')).toBeNull();
    expect(afterUnknown.since).toBe(30_500);
    for (let t = 31_500; t < 36_500; t += 1000) expect(afterUnknown.sample(t, 'bad')).toBeNull();
    expect(afterUnknown.sample(36_500, 'bad')).toBe('start');
    expect(afterUnknown.since).toBe(30_500);
    // A bad reading at dusk, nothing all night, one at dawn: a new streak, not "moved for 10 h".
    const overnight = new Hold(60_000, 2000);
    overnight.sample(0, 'bad');
    expect(overnight.sample(10 * 3_600_000, 'bad')).toBeNull();
    expect(overnight.since).toBe(10 * 3_600_000);
    // A good sample after the gap starts no count of misses against the old streak.
    const good = new Hold(6000, 2000);
    good.sample(0, 'bad');
    good.sample(10_000, 'good');
    expect(good.busy).toBe(false);
    expect(good.sample(10_500, 'bad')).toBeNull();
  });

  it('within onMs of the last bad sample the time up to the next known sample goes with it, after unknown samples or a gap alike', () => {
    const afterUnknown = new Hold(6000, 2000);
    afterUnknown.sample(0, 'bad');
    afterUnknown.sample(3000, 'unknown');
    expect(afterUnknown.sample(6000, 'bad')).toBe('start'); // 0–6 s bad
    expect(afterUnknown.since).toBe(0);
    const afterGap = new Hold(6000, 2000);
    afterGap.sample(0, 'bad');
    expect(afterGap.sample(6000, 'bad')).toBe('start');
    const past = new Hold(6000, 2000);
    past.sample(0, 'bad');
    expect(past.sample(6001, 'bad')).toBeNull(); // just over: a new streak
    expect(past.since).toBe(6001);
  });

  it('continues a paused streak after a JSON round trip, and reads states saved before the pause existed', () => {
    const hold = new Hold(6000, 2000);
    hold.sample(0, 'bad');
    hold.sample(2000, 'neutral');
    const copy = new Hold(6000, 2000);
    copy.load(JSON.parse(JSON.stringify(hold.toJSON())));
    copy.sample(4000, 'neutral');
    expect(copy.since).toBe(4000);
    const old = new Hold(6000, 2000);
    old.load({ active: false, since: 0, misses: 0, goodSince: null, goodRun: 0 });
    old.sample(1000, 'neutral'); // no previous sample time: nothing to pause
    expect(old.since).toBe(0);
    expect(old.sample(6000, 'bad')).toBe('start');
  });
});

import { Hold } from './hold';

describe('Hold', () => {
  it('neutral samples pause a bad streak: they neither extend nor break it', () => {
    const hold = new Hold(6000, 2000);
    expect(hold.sample(0, 'bad')).toBeNull();
    for (let t = 1000; t <= 6000; t += 1000) expect(hold.sample(t, 'neutral')).toBeNull();
    // One bad sample, 6 s of neutral ones, another bad one: 1 s of bad time, not 7.
    expect(hold.sample(7000, 'bad')).toBeNull();
    expect(hold.since).toBe(6000);
    for (let t = 8000; t < 12_000; t += 1000) expect(hold.sample(t, 'bad')).toBeNull();
    expect(hold.sample(12_000, 'bad')).toBe('start');
    expect(hold.active).toBe(true);
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

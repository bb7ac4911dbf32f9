import { LocalTime } from './local-time';

describe('LocalTime', () => {
  // Zones with whole, half and quarter-hour offsets, daylight saving both ways and a 30-minute DST.
  const ZONES = ['Asia/Shanghai', 'UTC', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns'];

  it.each(ZONES)('gives what Intl gives in %s, across the year and its transitions', (timezone) => {
    const local = new LocalTime(timezone);
    const intl = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const start = Date.UTC(2026, 0, 1);
    // every 7 minutes 13 seconds for a year: crosses every transition at many phases
    const wrong: string[] = [];
    let checked = 0;
    for (let at = start; at < start + 366 * 86_400_000; at += 433_000, checked++) {
      const expected = intl.format(at);
      if (local.format(at) !== expected || local.hour(at) !== Number(expected.slice(11, 13))) wrong.push(`${new Date(at).toISOString()}: ${local.format(at)} ≠ ${expected}`);
    }
    expect(checked).toBeGreaterThan(70_000);
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});

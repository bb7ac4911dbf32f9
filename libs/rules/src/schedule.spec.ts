import { localClock, scheduleActive, type ScheduleWindow } from './schedule';

const at = (tz: string, iso: string, windows: ScheduleWindow[]) => scheduleActive(windows, localClock(tz, Date.parse(iso)));
const SH = 'Asia/Shanghai'; // UTC+8 all year
const BER = 'Europe/Berlin'; // CET/CEST

describe('schedules', () => {
  it('reads the local clock of the camera time zone', () => {
    // 2024-07-05 is a Friday.
    expect(localClock(SH, Date.parse('2024-07-05T11:30:00Z'))).toEqual({ minutes: 19 * 60 + 30, isoDay: 5, month: 7, prevIsoDay: 4, prevMonth: 7 });
    expect(localClock(SH, Date.parse('2024-06-30T16:00:00Z'))).toMatchObject({ minutes: 0, isoDay: 1, month: 7, prevIsoDay: 7, prevMonth: 6 });
    expect(localClock(BER, Date.parse('2024-01-01T00:00:00Z'))).toMatchObject({ minutes: 60, isoDay: 1, month: 1, prevMonth: 12 });
  });

  it('is always active without windows', () => {
    expect(at(SH, '2024-07-05T11:30:00Z', [])).toBe(true);
  });

  it('includes the start and excludes the end, to the minute', () => {
    const w: ScheduleWindow[] = [{ start: '13:00', end: '17:00' }];
    expect(at(SH, '2024-07-05T04:59:59.999Z', w)).toBe(false); // 12:59:59.999
    expect(at(SH, '2024-07-05T05:00:00Z', w)).toBe(true); // 13:00
    expect(at(SH, '2024-07-05T08:59:59.999Z', w)).toBe(true); // 16:59:59.999
    expect(at(SH, '2024-07-05T09:00:00Z', w)).toBe(false); // 17:00
  });

  it('reads an end of 23:59 as the end of the day, so 19:00–23:59 and 00:00–06:00 leave no minute out', () => {
    const nights: ScheduleWindow[] = [
      { start: '19:00', end: '23:59' },
      { start: '00:00', end: '06:00' },
    ];
    expect(at(SH, '2024-07-05T15:58:59Z', nights)).toBe(true); // 23:58:59
    expect(at(SH, '2024-07-05T15:59:30Z', nights)).toBe(true); // 23:59:30 (before: outside, the boat's alert ended and came again)
    expect(at(SH, '2024-07-05T16:00:00Z', nights)).toBe(true); // 00:00
    expect(at(SH, '2024-07-05T15:59:30Z', [{ days: [5], start: '19:00', end: '23:59' }])).toBe(true); // Fri 23:59:30
    expect(at(SH, '2024-07-05T16:00:30Z', [{ days: [5], start: '19:00', end: '23:59' }])).toBe(false); // Sat 00:00:30
    // 23:59–23:59 stays a whole day from 23:59.
    expect(at(SH, '2024-07-05T04:00:00Z', [{ start: '23:59', end: '23:59' }])).toBe(true);
  });

  it('spans midnight for 19:00–06:00 and counts its morning to the day it started', () => {
    const nights: ScheduleWindow[] = [{ start: '19:00', end: '06:00' }];
    expect(at(SH, '2024-07-05T10:59:59Z', nights)).toBe(false); // 18:59:59
    expect(at(SH, '2024-07-05T11:00:00Z', nights)).toBe(true); // 19:00
    expect(at(SH, '2024-07-05T21:59:59Z', nights)).toBe(true); // Sat 05:59:59
    expect(at(SH, '2024-07-05T22:00:00Z', nights)).toBe(false); // Sat 06:00
    const fridayNight: ScheduleWindow[] = [{ days: [5], start: '19:00', end: '06:00' }];
    expect(at(SH, '2024-07-05T11:00:00Z', fridayNight)).toBe(true); // Fri 19:00
    expect(at(SH, '2024-07-05T21:59:00Z', fridayNight)).toBe(true); // Sat 05:59
    expect(at(SH, '2024-07-06T11:00:00Z', fridayNight)).toBe(false); // Sat 19:00
    expect(at(SH, '2024-07-04T21:59:00Z', fridayNight)).toBe(false); // Fri 05:59 belongs to Thursday's night
  });

  it('filters by ISO weekday (Sunday = 7) and month, also across a month boundary', () => {
    const sundays: ScheduleWindow[] = [{ days: [7], start: '00:00', end: '24:00' }];
    expect(at(SH, '2024-07-07T15:59:00Z', sundays)).toBe(true); // Sun 23:59
    expect(at(SH, '2024-07-07T16:00:00Z', sundays)).toBe(false); // Mon 00:00
    const summer: ScheduleWindow[] = [{ months: [7, 8], start: '13:00', end: '17:00' }];
    expect(at(SH, '2024-08-31T08:59:00Z', summer)).toBe(true);
    expect(at(SH, '2024-09-01T05:00:00Z', summer)).toBe(false);
    const juneNights: ScheduleWindow[] = [{ months: [6], start: '22:00', end: '02:00' }];
    expect(at(SH, '2024-06-30T15:00:00Z', juneNights)).toBe(true); // Jun 30 23:00
    expect(at(SH, '2024-06-30T17:00:00Z', juneNights)).toBe(true); // Jul 1 01:00, night of Jun 30
    expect(at(SH, '2024-07-01T15:00:00Z', juneNights)).toBe(false); // Jul 1 23:00
  });

  it('treats equal start and end as 24 hours from the start', () => {
    const w: ScheduleWindow[] = [{ days: [1], start: '06:00', end: '06:00' }];
    expect(at(SH, '2024-07-07T22:00:00Z', w)).toBe(true); // Mon 06:00
    expect(at(SH, '2024-07-08T21:59:00Z', w)).toBe(true); // Tue 05:59
    expect(at(SH, '2024-07-08T22:00:00Z', w)).toBe(false); // Tue 06:00
  });

  it('follows daylight saving time in Europe/Berlin', () => {
    const evening: ScheduleWindow[] = [{ start: '19:00', end: '23:00' }];
    expect(at(BER, '2024-07-05T16:59:59Z', evening)).toBe(false); // 18:59:59 CEST
    expect(at(BER, '2024-07-05T17:00:00Z', evening)).toBe(true); // 19:00 CEST (UTC+2)
    expect(at(BER, '2024-01-05T17:00:00Z', evening)).toBe(false); // 18:00 CET
    expect(at(BER, '2024-01-05T18:00:00Z', evening)).toBe(true); // 19:00 CET (UTC+1)
    // Spring forward, 2024-03-31: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    const early: ScheduleWindow[] = [{ start: '01:00', end: '03:00' }];
    expect(at(BER, '2024-03-31T00:59:59Z', early)).toBe(true); // 01:59:59 CET
    expect(at(BER, '2024-03-31T01:00:00Z', early)).toBe(false); // 03:00 CEST: the window is one hour long that day
    const missing: ScheduleWindow[] = [{ start: '02:00', end: '02:30' }];
    expect(at(BER, '2024-03-31T00:59:59Z', missing)).toBe(false);
    expect(at(BER, '2024-03-31T01:15:00Z', missing)).toBe(false); // 02:15 never happens that day
    // Fall back, 2024-10-27: 03:00 CEST goes back to 02:00 CET at 01:00 UTC; 02:00–02:30 happens twice.
    expect(at(BER, '2024-10-27T00:00:00Z', missing)).toBe(true); // 02:00 CEST
    expect(at(BER, '2024-10-27T00:30:00Z', missing)).toBe(false); // 02:30 CEST
    expect(at(BER, '2024-10-27T01:00:00Z', missing)).toBe(true); // 02:00 CET
    expect(at(BER, '2024-10-27T01:29:59Z', missing)).toBe(true); // 02:29:59 CET
    expect(at(BER, '2024-10-27T01:30:00Z', missing)).toBe(false);
  });
});

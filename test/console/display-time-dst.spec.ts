// "Today" in a zone whose clocks skip midnight: where DST starts at 00:00 (America/Santiago,
// Asia/Beirut, America/Havana), the day begins when the clocks jump to 01:00, not at 23:00 of the day
// before (format.ts startOfLocalDay, which the duty report's "today" starts at).
import * as format from '../../apps/console/src/format';

const HOUR = 3_600_000;

describe('the first instant of a day whose midnight the clocks skip', () => {
  afterEach(() => format.setDisplayTimeZone(undefined));

  it.each([
    // zone, noon of the day the clocks jump from 00:00 to 01:00 (UTC), the jump (UTC)
    ['America/Santiago', Date.UTC(2022, 8, 11, 15, 0), Date.UTC(2022, 8, 11, 4, 0)],
    ['America/Santiago', Date.UTC(2026, 8, 6, 15, 0), Date.UTC(2026, 8, 6, 4, 0)],
    ['Asia/Beirut', Date.UTC(2022, 2, 27, 9, 0), Date.UTC(2022, 2, 26, 22, 0)], // east of UTC: right before too
    ['America/Havana', Date.UTC(2022, 2, 13, 16, 0), Date.UTC(2022, 2, 13, 5, 0)],
  ])('starts %s\'s day at the jump to 01:00, not at 23:00 the day before', (zone, noon, jump) => {
    format.setDisplayTimeZone(zone);
    const start = format.startOfLocalDay(noon);
    expect(format.formatTime(start)).toBe(`${format.formatTime(noon).slice(0, 10)} 01:00:00`); // before: "… 23:00:00" of the day before
    expect(start).toBe(jump);
    expect(format.formatTime(start - 1000).slice(11)).toBe('23:59:59'); // the instant before is still the day before
    expect(format.startOfLocalDay(start)).toBe(start);
    expect(format.startOfLocalDay(start + 22 * HOUR)).toBe(start); // 23:00 of that 23-hour day
  });

  it('reads a time the clocks skip as far past the jump, and an hour they repeat as its first time', () => {
    format.setDisplayTimeZone('America/Santiago');
    expect(format.fromLocalInput('2022-09-11T00:00')).toBe(Date.UTC(2022, 8, 11, 4, 0)); // before: 23:00 on 10 September
    expect(format.fromLocalInput('2022-09-11T00:30')).toBe(Date.UTC(2022, 8, 11, 4, 30)); // 01:30, -03
    expect(format.fromLocalInput('2022-09-11T01:00')).toBe(Date.UTC(2022, 8, 11, 4, 0));
    // On 3 April 2022 the clocks went back from 24:00 to 23:00: 23:30 on the 2nd came twice, the day after began once.
    expect(format.fromLocalInput('2022-04-02T23:30')).toBe(Date.UTC(2022, 3, 3, 2, 30)); // -03, the first time
    expect(format.startOfLocalDay(Date.UTC(2022, 3, 3, 15, 0))).toBe(Date.UTC(2022, 3, 3, 4, 0));
    expect(format.startOfLocalDay(Date.UTC(2022, 3, 3, 3, 30))).toBe(Date.UTC(2022, 3, 2, 3, 0)); // 23:30 the second time: still the 2nd
  });

  it("keeps ordinary days; reads Berlin's skipped and repeated hours by the same rules", () => {
    format.setDisplayTimeZone('Asia/Shanghai');
    expect(format.startOfLocalDay(Date.UTC(2026, 11, 3, 0, 30))).toBe(Date.UTC(2026, 11, 2, 16, 0));
    format.setDisplayTimeZone('Europe/Berlin');
    expect(format.startOfLocalDay(Date.UTC(2026, 2, 29, 12, 0))).toBe(Date.UTC(2026, 2, 28, 23, 0));
    expect(format.fromLocalInput('2026-03-29T02:30')).toBe(Date.UTC(2026, 2, 29, 1, 30)); // skipped: 03:30 CEST
    expect(format.fromLocalInput('2026-10-25T02:30')).toBe(Date.UTC(2026, 9, 25, 0, 30)); // repeated: the first, CEST (before: the CET one, an hour later)
  });
});

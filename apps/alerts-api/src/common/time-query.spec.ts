import { LocalTime } from '../reports/local-time';
import { epochOf, localTimeQuery, timeQuery } from './time-query';

const issue = (result: { success: boolean; error?: { issues: { message: string }[] } }) => (result.success ? undefined : result.error!.issues[0].message);

describe('timeQuery (a time that must name its zone)', () => {
  it('reads epoch ms and ISO 8601 date-times with Z or an offset', () => {
    expect(timeQuery.parse('1782892800000')).toBe(1782892800000);
    expect(timeQuery.parse('2026-07-01T08:00:00Z')).toBe(Date.UTC(2026, 6, 1, 8));
    expect(timeQuery.parse('2026-07-01T08:00:00+08:00')).toBe(Date.UTC(2026, 6, 1, 0));
    expect(timeQuery.parse('2026-07-01T08:00+0800')).toBe(Date.UTC(2026, 6, 1, 0));
    expect(timeQuery.parse('2026-07-01 08:00:00.25-05:30')).toBe(Date.UTC(2026, 6, 1, 13, 30, 0, 250));
  });

  it("refuses a time without a zone instead of reading it in the server's own", () => {
    expect(issue(timeQuery.safeParse('2026-07-01'))).toBe("'2026-07-01' has no time zone: add Z or an offset such as +08:00, or give epoch milliseconds");
    expect(issue(timeQuery.safeParse('2026-07-01T08:00'))).toMatch(/has no time zone/);
  });

  it('refuses what is not an ISO 8601 time, a date that does not exist and an offset out of range', () => {
    expect(issue(timeQuery.safeParse('July 1, 2026'))).toMatch(/must be epoch milliseconds or an ISO 8601 date-time such as/);
    expect(issue(timeQuery.safeParse('2026-02-30T00:00Z'))).toBe("'2026-02-30T00:00Z' is not a date that exists");
    expect(issue(timeQuery.safeParse('2026-07-01T24:00Z'))).toMatch(/is not a date that exists/);
    expect(issue(timeQuery.safeParse('2026-07-01T08:00+19:00'))).toMatch(/offset \+19:00 is out of range/);
    expect(issue(timeQuery.safeParse('2026-07-01T08:00+05:75'))).toMatch(/offset \+05:75 is out of range \(±18:00, minutes 00–59\)/);
    expect(issue(timeQuery.safeParse('2026-07-01T08:00+0599'))).toMatch(/offset \+0599 is out of range/);
    expect(issue(timeQuery.safeParse('99999999999999999999'))).toMatch(/is past the last time a date can hold/);
    expect(issue(timeQuery.safeParse('8640000000000001'))).toMatch(/is past the last time a date can hold \(8640000000000000\)/);
    expect(timeQuery.parse('8640000000000000')).toBe(8.64e15);
  });
});

describe('localTimeQuery (a time read in the request’s time zone when it names none)', () => {
  it('keeps a zone-less date or date-time as wall-clock time and reads it in the zone', () => {
    const shanghai = new LocalTime('Asia/Shanghai');
    const utcOf = (wall: number) => shanghai.utcOf(wall);
    expect(epochOf(localTimeQuery.parse('2026-07-01'), utcOf)).toBe(Date.UTC(2026, 5, 30, 16));
    expect(epochOf(localTimeQuery.parse('2026-07-01T08:30'), utcOf)).toBe(Date.UTC(2026, 6, 1, 0, 30));
    expect(epochOf(localTimeQuery.parse('2026-07-01T08:30Z'), utcOf)).toBe(Date.UTC(2026, 6, 1, 8, 30));
    expect(epochOf(localTimeQuery.parse('1782892800000'), utcOf)).toBe(1782892800000);
  });

  it('reads wall-clock times around a summer-time change', () => {
    const newYork = new LocalTime('America/New_York');
    expect(newYork.utcOf(Date.UTC(2026, 6, 1, 12))).toBe(Date.UTC(2026, 6, 1, 16)); // EDT
    expect(newYork.utcOf(Date.UTC(2026, 0, 15, 12))).toBe(Date.UTC(2026, 0, 15, 17)); // EST
    expect(newYork.utcOf(Date.UTC(2026, 10, 1, 1, 30))).toBe(Date.UTC(2026, 10, 1, 5, 30)); // repeated: the first
    expect(newYork.utcOf(Date.UTC(2026, 2, 8, 2, 30))).toBe(Date.UTC(2026, 2, 8, 6, 30)); // skipped: an hour earlier
    const berlin = new LocalTime('Europe/Berlin');
    expect(berlin.utcOf(Date.UTC(2026, 9, 25, 2, 30))).toBe(Date.UTC(2026, 9, 25, 1, 30)); // repeated: the second
    expect(berlin.utcOf(Date.UTC(2026, 2, 29, 2, 30))).toBe(Date.UTC(2026, 2, 29, 1, 30)); // skipped: an hour later (03:30 CEST)
  });
});

// The console shows and reads times in the deployment's zone (DISPLAY_TIME_ZONE), whatever the PC's
// clock is set to: this jest process runs in UTC or whatever the machine has, the display in Beijing.
const format = jest.requireActual('../../apps/console/src/format') as {
  setDisplayTimeZone(timeZone: string | undefined): void;
  displayZone(): string;
  formatTime(ms: number | null): string;
  fromLocalInput(value: string): number | undefined;
  toLocalInput(ms: number): string;
  startOfLocalDay(ms: number): number;
};

describe('display time zone', () => {
  afterEach(() => format.setDisplayTimeZone(undefined));

  it("shows, reads and starts days in the deployment's zone, not the PC's", () => {
    format.setDisplayTimeZone('Asia/Shanghai');
    const at = Date.UTC(2026, 11, 3, 0, 30, 5); // 08:30:05 in Beijing
    expect(format.displayZone()).toBe('Asia/Shanghai');
    expect(format.formatTime(at)).toBe('2026-12-03 08:30:05');
    expect(format.toLocalInput(at)).toBe('2026-12-03T08:30');
    expect(format.fromLocalInput('2026-12-03T08:30')).toBe(Date.UTC(2026, 11, 3, 0, 30));
    // "Today" starts at Beijing midnight: 16:00 UTC the day before (before: the PC's midnight).
    expect(format.startOfLocalDay(at)).toBe(Date.UTC(2026, 11, 2, 16, 0));
    expect(format.startOfLocalDay(Date.UTC(2026, 11, 2, 15, 59))).toBe(Date.UTC(2026, 11, 1, 16, 0));
  });

  it('reads wall-clock times right across a daylight-saving change', () => {
    format.setDisplayTimeZone('Europe/Berlin');
    expect(format.fromLocalInput('2026-03-28T12:00')).toBe(Date.UTC(2026, 2, 28, 11, 0)); // CET
    expect(format.fromLocalInput('2026-03-30T12:00')).toBe(Date.UTC(2026, 2, 30, 10, 0)); // CEST
    expect(format.startOfLocalDay(Date.UTC(2026, 2, 29, 12, 0))).toBe(Date.UTC(2026, 2, 28, 23, 0));
  });

  it("keeps the PC's zone for an unknown zone, and refuses what is no date", () => {
    format.setDisplayTimeZone('Mars/Olympus_Mons');
    expect(format.displayZone()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
    expect(format.fromLocalInput('')).toBeUndefined();
    expect(format.fromLocalInput('yesterday')).toBeUndefined();
    expect(format.formatTime(null)).toBe('—');
  });
});

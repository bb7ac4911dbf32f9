// A console started while the API was not up yet (a kiosk booted first) reads its display settings
// again until they come, and reloads once in their zone (apps/console/src/display-settings.ts).
import { keepReadingDisplaySettings, readDisplaySettings, SETTINGS_RETRY_MS } from '../../apps/console/src/display-settings';
import { displayZone, setDisplayTimeZone } from '../../apps/console/src/format';

const answer = (status: number, body: unknown) => ({ ok: status < 400, status, json: async () => body }) as Response;

describe('display settings', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    setDisplayTimeZone(undefined);
  });

  it('tells an API without the settings from one not answering yet', async () => {
    expect(await readDisplaySettings(async () => answer(200, { timeZone: 'Asia/Shanghai' }))).toBe('loaded');
    expect(displayZone()).toBe('Asia/Shanghai');
    setDisplayTimeZone(undefined);
    expect(await readDisplaySettings(async () => answer(404, { message: 'Cannot GET' }))).toBe('absent');
    expect(await readDisplaySettings(async () => answer(502, null))).toBe('unreachable');
    expect(await readDisplaySettings(async () => Promise.reject(new TypeError('Failed to fetch')))).toBe('unreachable');
  });

  it('reads them again until the API answers, then reloads once when their zone is not the one shown', async () => {
    const pcZone = displayZone();
    const zone = pcZone === 'Asia/Shanghai' ? 'America/Santiago' : 'Asia/Shanghai';
    let up = false;
    const fetchFn = jest.fn(async () => (up ? answer(200, { timeZone: zone }) : Promise.reject(new TypeError('Failed to fetch'))));
    const reload = jest.fn();
    keepReadingDisplaySettings(reload, fetchFn as unknown as typeof fetch);
    await jest.advanceTimersByTimeAsync(3 * SETTINGS_RETRY_MS);
    expect(fetchFn).toHaveBeenCalledTimes(3);
    expect(reload).not.toHaveBeenCalled();
    up = true;
    await jest.advanceTimersByTimeAsync(SETTINGS_RETRY_MS);
    expect(displayZone()).toBe(zone); // before: the PC's zone for the whole session
    expect(reload).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(5 * SETTINGS_RETRY_MS);
    expect(fetchFn).toHaveBeenCalledTimes(4); // and then no more
  });

  it('does not reload when the settings name the zone already shown', async () => {
    const reload = jest.fn();
    keepReadingDisplaySettings(reload, (async () => answer(200, { timeZone: displayZone() })) as unknown as typeof fetch);
    await jest.advanceTimersByTimeAsync(SETTINGS_RETRY_MS);
    expect(reload).not.toHaveBeenCalled();
  });
});

// useThrottled (the camera wall's cue to reload on camera.status pushes), run in node through
// hook-harness with jest's fake clock: a burst of pushes costs one reload at once and one at the
// end of the interval, carrying the latest push.
import { SEARCH_DEBOUNCE_MS, useDebounced, useThrottled } from '../../apps/console/src/use-throttled';
import { flushEffects, render, unmount } from './hook-harness';

jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);

const INTERVAL = 1000;

describe('useThrottled', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_800_000_000_000 }));
  afterEach(() => {
    unmount();
    jest.useRealTimers();
  });

  /** Renders with `value` until the hook's own state settles (as preact re-renders after a set). */
  const show = (value: number | null) => {
    let out = render(() => useThrottled(value, INTERVAL));
    for (let i = 0; i < 3; i++) {
      flushEffects();
      out = render(() => useThrottled(value, INTERVAL));
    }
    return out;
  };

  it('passes the first value and a change after a quiet interval on at once', () => {
    expect(show(null)).toBeNull();
    expect(show(1)).toBe(1);
    jest.advanceTimersByTime(5000);
    expect(show(2)).toBe(2);
  });

  it('holds changes within the interval and passes the latest at its end', () => {
    show(null);
    expect(show(1)).toBe(1);
    jest.advanceTimersByTime(100);
    expect(show(2)).toBe(1);
    jest.advanceTimersByTime(300);
    expect(show(3)).toBe(1);
    jest.advanceTimersByTime(599); // 999 ms after the first pass
    expect(show(3)).toBe(1);
    jest.advanceTimersByTime(1);
    expect(show(3)).toBe(3);
    // the next change is within the interval of that pass: held again
    jest.advanceTimersByTime(500);
    expect(show(4)).toBe(3);
    jest.advanceTimersByTime(500);
    expect(show(4)).toBe(4);
  });

  it('a burst of 500 changes within one interval passes on twice', () => {
    const passes: number[] = [];
    let last: number | null = show(null);
    for (let v = 1; v <= 500; v++) {
      const out = show(v);
      if (out !== last) passes.push(out as number);
      last = out;
      jest.advanceTimersByTime(1);
    }
    jest.advanceTimersByTime(INTERVAL);
    const out = show(500);
    if (out !== last) passes.push(out as number);
    expect(passes).toEqual([1, 500]);
  });
});

describe('useDebounced', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_800_000_000_000 }));
  afterEach(() => {
    unmount();
    jest.useRealTimers();
  });

  const show = (value: string) => {
    let out = render(() => useDebounced(value, SEARCH_DEBOUNCE_MS));
    for (let i = 0; i < 3; i++) {
      flushEffects();
      out = render(() => useDebounced(value, SEARCH_DEBOUNCE_MS));
    }
    return out;
  };

  it('passes a search on once the typing pauses, not a request per keystroke; a cleared box at once', () => {
    expect(show('')).toBe('');
    const passed: string[] = [];
    for (const typed of ['东', '东湖', '东湖村']) {
      passed.push(show(typed));
      jest.advanceTimersByTime(100); // typing
    }
    expect(passed).toEqual(['', '', '']);
    jest.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    expect(show('东湖村')).toBe('东湖村');
    expect(show('')).toBe(''); // cleared: the whole wall again at once
  });
});

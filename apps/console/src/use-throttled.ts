import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * `value`, passed on at most once per `intervalMs`: a change after a quiet interval at once, later
 * changes together at the end of the interval, the latest one winning. A county's camera wall gets a
 * camera.status push per camera, and a power cut or its end brings hundreds within a second — each
 * of which would otherwise refetch the wall's page.
 */
/** A camera.status push reloads what a screen shows at most this often (a power cut brings hundreds at once). */
export const STATUS_RELOAD_MS = 1000;

export function useThrottled<T>(value: T, intervalMs: number): T {
  const [passed, setPassed] = useState(value);
  const lastPassedAt = useRef(Number.NEGATIVE_INFINITY);
  useEffect(() => {
    if (Object.is(value, passed)) return;
    const pass = () => {
      lastPassedAt.current = Date.now();
      setPassed(value);
    };
    // Every change reschedules for the same moment (the interval's end), carrying the newest value.
    const wait = lastPassedAt.current + intervalMs - Date.now();
    if (wait <= 0) return pass();
    const timer = setTimeout(pass, wait);
    return () => clearTimeout(timer);
  }, [value, passed, intervalMs]);
  return passed;
}

/** A search box's query goes to the API once the typing has paused this long. */
export const SEARCH_DEBOUNCE_MS = 300;

/**
 * `value`, passed on once it has stayed the same for `quietMs`: a search box sent a request (two,
 * on the camera wall: the page and the offline count) per keystroke, twenty for a ten-character
 * place name. An empty value (the box cleared) passes at once.
 */
export function useDebounced<T>(value: T, quietMs: number): T {
  const [passed, setPassed] = useState(value);
  useEffect(() => {
    if (Object.is(value, passed)) return;
    if (value === '' || value === null || value === undefined) return setPassed(value);
    const timer = setTimeout(() => setPassed(value), quietMs);
    return () => clearTimeout(timer);
  }, [value, passed, quietMs]);
  return passed;
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { type Api, ApiError } from './api';

export interface ImageState {
  url: string | null;
  /** Why the last load failed: the API's message, and its reason code when it gave one. */
  error: string | null;
  reason: string | null;
  /** When `url` was received (this screen's clock); with `error` set, the picture is older than the last try. */
  loadedAt: number | null;
  /** When the picture was taken, as the API says (its clock), null when it does not: up to 20 s before `loadedAt`. */
  takenAt: number | null;
}

const EMPTY: ImageState = { url: null, error: null, reason: null, loadedAt: null, takenAt: null };

/**
 * An authenticated image as an object URL, refreshed every `refreshMs` (0: once); revoked when replaced.
 * The picture outlives a new token and a pause (`paused`, e.g. while a live view replaces it), so a
 * failed load after either still has the last one to show; another path, or none, never shows the
 * previous path's picture (a school's next warning must not show the last one's snapshot).
 * `version` names what the path serves now (an alert's `capturedAt`: its snapshot URL stays the same
 * when a newer picture replaces it): another version loads the path again, showing the one before
 * until it arrives.
 */
export function useImage(api: Api, path: string | null, refreshMs = 0, paused = false, version: string | number | null = null): ImageState {
  const [state, setState] = useState<ImageState>(EMPTY);
  const shown = useRef<string | null>(null);
  const subject = useRef<string | null>(null);
  useEffect(
    () => () => {
      if (shown.current) URL.revokeObjectURL(shown.current);
    },
    [],
  );
  useEffect(() => {
    if (subject.current !== path) {
      if (shown.current) URL.revokeObjectURL(shown.current);
      shown.current = null;
      if (subject.current !== null) setState(EMPTY);
      subject.current = path;
    }
    if (!path || paused) return;
    let stopped = false;
    let loading = false;
    // One at a time: a refresh while the last load still waits (a grab of a slow camera) would pile up
    // requests on the browser's few connections to the API, the alarm feed's reads among them.
    const load = () => {
      if (loading) return;
      loading = true;
      void api
        .image(path)
        .then(
          ({ url, takenAt }) => {
            if (stopped) return URL.revokeObjectURL(url);
            if (shown.current) URL.revokeObjectURL(shown.current);
            shown.current = url;
            setState({ url, error: null, reason: null, loadedAt: Date.now(), takenAt });
          },
          (err: Error) => !stopped && setState((s) => ({ ...s, error: err.message, reason: err instanceof ApiError ? err.reason : null })),
        )
        .finally(() => (loading = false));
    };
    load();
    const timer = refreshMs > 0 ? setInterval(load, refreshMs) : undefined;
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, path, refreshMs, paused, version]);
  return state;
}

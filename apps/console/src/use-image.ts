import { useEffect, useState } from 'preact/hooks';
import { type Api, ApiError } from './api';

export interface ImageState {
  url: string | null;
  /** Why the last load failed: the API's message, and its reason code when it gave one. */
  error: string | null;
  reason: string | null;
}

/** An authenticated image as an object URL, refreshed every `refreshMs` (0: once); revoked when replaced. */
export function useImage(api: Api, path: string | null, refreshMs = 0): ImageState {
  const [state, setState] = useState<ImageState>({ url: null, error: null, reason: null });
  useEffect(() => {
    if (!path) return;
    let current: string | null = null;
    let stopped = false;
    const load = () =>
      api.imageUrl(path).then(
        (url) => {
          if (stopped) return URL.revokeObjectURL(url);
          if (current) URL.revokeObjectURL(current);
          current = url;
          setState({ url, error: null, reason: null });
        },
        (err: Error) => !stopped && setState((s) => ({ url: s.url, error: err.message, reason: err instanceof ApiError ? err.reason : null })),
      );
    void load();
    const timer = refreshMs > 0 ? setInterval(load, refreshMs) : undefined;
    return () => {
      stopped = true;
      clearInterval(timer);
      if (current) URL.revokeObjectURL(current);
    };
  }, [api, path, refreshMs]);
  return state;
}

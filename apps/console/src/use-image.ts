import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';

/** An authenticated image as an object URL, refreshed every `refreshMs` (0: once); revoked when replaced. */
export function useImage(api: Api, path: string | null, refreshMs = 0): { url: string | null; error: string | null } {
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
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
          setState({ url, error: null });
        },
        (err: Error) => !stopped && setState((s) => ({ url: s.url, error: err.message })),
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

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { Lang, MessageKey } from './i18n';
import type { Principal } from './types';
import type { Feed } from './use-feed';

export interface AppContextValue {
  api: Api;
  user: Principal;
  lang: Lang;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  /** Translated value of `prefix.value` (rule, state, severity…), the raw value when unknown. */
  tv: (prefix: string, value: string) => string;
  navigate: (path: string) => void;
  feed: Feed;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside the AppContext');
  return value;
}

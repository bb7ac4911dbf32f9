import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { alarmNotice, closeNotifications } from './alarm';
import { CONSOLE_BASE } from './console-base';
import type { Session } from './api';
import { AppContext, type AppContextValue } from './context';
import { FeedApi } from './feed-api';
import { unacknowledgedCount } from './feed-state';
import { initialLang, type Lang, LANGS, translate, translateValue } from './i18n';
import { AdminScreen } from './screens/admin';
import { AlertDetailScreen } from './screens/alert-detail';
import { AlertFeedScreen } from './screens/alert-feed';
import { CameraWallScreen } from './screens/camera-wall';
import { LoginScreen } from './screens/login';
import { OfflineBanner } from './screens/offline-banner';
import { SchoolCamerasOfflineBanner } from './screens/school-cameras-offline-banner';
import { PasswordChange } from './screens/password-change';
import { ReportsScreen } from './screens/reports';
import { SoundBanner } from './screens/sound-banner';
import { UnanalysedBanner } from './screens/unanalysed-banner';
import { AlarmTest, SchoolAlarm } from './screens/school-alarm';
import { SiteEditorScreen } from './screens/site-editor';
import { ZoneEditorScreen } from './screens/zone-editor';
import { useSessionRenewal } from './use-session-renewal';
import { AT_KEY, type Feed, SEQ_KEY, useFeed } from './use-feed';

const BASE = CONSOLE_BASE;
const SESSION_KEY = 'xl.console.session';

function currentRoute(): string {
  return location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length).replace(/\/$/, '') : '';
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang(localStorage.getItem('xl.console.lang')));
  const [session, setSession] = useState<Session | null>(() => {
    const raw = sessionStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  });
  const [route, setRoute] = useState(currentRoute());

  useEffect(() => {
    document.documentElement.lang = lang;
    localStorage.setItem('xl.console.lang', lang);
  }, [lang]);
  useEffect(() => {
    if (!session) document.title = translate(lang, 'app.title'); // signed in, Console titles the tab
  }, [lang, session]);
  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const login = (s: Session) => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
    setSession(s);
  };
  /** `signedOut`: the API ended the sign-in (session over, user disabled), not the user's own click. */
  const [signedOut, setSignedOut] = useState(false);
  const logout = (involuntary = false) => {
    sessionStorage.removeItem(SESSION_KEY);
    sessionStorage.removeItem(SEQ_KEY); // the next sign-in loads by REST, not a replay that rings for old alarms
    sessionStorage.removeItem(AT_KEY);
    closeNotifications(); // they stay until clicked away: on a shared PC the next user would read them
    setSession(null);
    setSignedOut(involuntary);
  };
  const languageSwitch = (
    <select data-testid="lang" aria-label={translate(lang, 'nav.language')} value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
      {LANGS.map((l) => (
        <option value={l}>{l === 'zh-CN' ? '中文' : 'English'}</option>
      ))}
    </select>
  );
  if (!session) return <LoginScreen lang={lang} languageSwitch={languageSwitch} onLogin={login} signedOut={signedOut} />;
  // Keyed by the user, not the token: a renewed token keeps the screen as it is (the feed reconnects).
  return <Console key={session.user.id} session={session} lang={lang} route={route} setRoute={setRoute} login={login} logout={() => logout()} expire={() => logout(true)} languageSwitch={languageSwitch} />;
}

interface ConsoleProps {
  session: Session;
  lang: Lang;
  route: string;
  setRoute(route: string): void;
  login(session: Session): void;
  logout(): void;
  /** The API no longer accepts the sign-in: back to the login page, which says so. */
  expire(): void;
  languageSwitch: preact.JSX.Element;
}

function Console({ session, lang, route, setRoute, login, logout, expire, languageSwitch }: ConsoleProps) {
  // A 401 asks for a renewal first (a PC that slept past its token wakes with it expired, and the API
  // renews it while the session lasts); only a refused renewal signs out.
  const renewal = useSessionRenewal(session, login, expire);
  // A 401 counts only when it answers the current token: a renewed or replaced one (still used by a
  // request in flight, or by a timer) ends by itself, and that must not end this sign-in.
  const currentToken = useRef(session.token);
  currentToken.current = session.token;
  // An alert a request answers 404 for has left the user's view: the feed drops it (feed-api.ts).
  const feedRef = useRef<Feed | null>(null);
  const api = useMemo(() => {
    const token = session.token;
    return new FeedApi(token, () => currentToken.current === token && renewal.unauthorized(), () => feedRef.current);
  }, [session.token]);
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate(lang, key, params);
  const feed = useFeed(api, renewal.unauthorized, (alert) => alarmNotice(lang, alert), session.user.regionIds, session.user.role === 'school');
  feedRef.current = feed;
  // The tab says how many alerts wait, so an operator working in another tab sees them come in.
  const unacknowledged = unacknowledgedCount(feed.alerts.values());
  useEffect(() => {
    const title = translate(lang, 'app.title');
    document.title = unacknowledged ? `(${unacknowledged}) ${title}` : title;
  }, [lang, unacknowledged]);
  const navigate = (path: string) => {
    history.pushState(null, '', BASE + path);
    setRoute(path);
  };
  const ctx: AppContextValue = { api, user: session.user, lang, t, tv: (p, v) => translateValue(lang, p, v), navigate, feed };
  const role = session.user.role;
  const [screen, ...args] = route.split('/').map(decodeURIComponent);
  const nav = [
    ['', 'nav.alerts', true],
    ['cameras', 'nav.cameras', role !== 'school'],
    ['reports', 'nav.reports', true],
    ['admin', 'nav.admin', role === 'admin'],
  ] as const;
  return (
    <AppContext.Provider value={ctx}>
      <header class="top">
        <strong>{t('app.title')}</strong>
        <nav>
          {nav.filter(([, , shown]) => shown).map(([path, key]) => (
            <a href={BASE + path} data-testid={`nav-${path || 'alerts'}`} class={screen === path || (path === '' && screen === 'alerts') ? 'active' : ''} onClick={(e) => (e.preventDefault(), navigate(path))}>
              {t(key)}
            </a>
          ))}
        </nav>
        <span class="user" data-testid="user">
          {session.user.name} · {translateValue(lang, 'role', session.user.role)}
        </span>
        {role === 'school' && <AlarmTest />}
        <PasswordChange session={session} login={login} />
        {languageSwitch}
        <button data-testid="logout" onClick={logout}>
          {t('nav.logout')}
        </button>
      </header>
      <OfflineBanner />
      <UnanalysedBanner />
      <SchoolCamerasOfflineBanner />
      <SoundBanner />
      <main>
        {screen === 'alerts' && args[0] ? (
          <AlertDetailScreen id={args[0]} />
        ) : screen === 'cameras' && args[1] === 'zones' && role !== 'school' ? (
          <ZoneEditorScreen cameraId={args[0]} />
        ) : screen === 'cameras' && args[1] === 'site' && (role === 'admin' || role === 'operator') ? (
          <SiteEditorScreen cameraId={args[0]} />
        ) : screen === 'cameras' && role !== 'school' ? (
          <CameraWallScreen />
        ) : screen === 'reports' ? (
          <ReportsScreen />
        ) : screen === 'admin' && role === 'admin' ? (
          <AdminScreen />
        ) : (
          <AlertFeedScreen />
        )}
      </main>
      {role === 'school' && <SchoolAlarm />}
    </AppContext.Provider>
  );
}

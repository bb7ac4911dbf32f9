import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { Api, type Session } from '../api';
import { type Lang, translate } from '../i18n';

export function LoginScreen({ lang, languageSwitch, onLogin, signedOut = false }: { lang: Lang; languageSwitch: JSX.Element; onLogin(s: Session): void; signedOut?: boolean }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const t = (key: Parameters<typeof translate>[1], params?: Record<string, string>) => translate(lang, key, params);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    setBusy(true);
    try {
      onLogin(await Api.login(String(form.get('username')), String(form.get('password'))));
    } catch (err) {
      setError(t('login.failed', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login">
      <form onSubmit={submit} data-testid="login-form">
        <h1>{t('app.title')}</h1>
        <h2>{t('login.title')}</h2>
        {signedOut && (
          <p class="error signed-out" data-testid="signed-out" role="alert">
            {t('login.signedOut')}
          </p>
        )}
        <label>
          {t('login.username')}
          <input name="username" data-testid="username" autocomplete="username" required />
        </label>
        <label>
          {t('login.password')}
          <input name="password" data-testid="password" type="password" autocomplete="current-password" required />
        </label>
        {error && <p class="error" data-testid="login-error">{error}</p>}
        <button type="submit" data-testid="login-submit" disabled={busy}>
          {t('login.submit')}
        </button>
        <div>{languageSwitch}</div>
      </form>
    </div>
  );
}

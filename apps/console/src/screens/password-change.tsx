import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Session } from '../api';
import { useApp } from '../context';
import { withCurrentUser } from '../use-session-renewal';

/** At least what the API asks (users.service / auth.controller): checked here to say it before sending. */
const MIN_LENGTH = 8;

interface Props {
  session: Session;
  /** Takes the new sign-in the API answers with (the old one and every other have ended). */
  login(session: Session): void;
}

/** "Change password" in the header: the current password, the new one twice. */
export function PasswordChange({ session, login }: Props) {
  const { api, t } = useApp();
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  // Signed out meanwhile (the header is gone): a late read of the user must not sign in again.
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    if (value('newPassword').length < MIN_LENGTH) return setMessage({ ok: false, text: t('password.tooShort', { min: MIN_LENGTH }) });
    if (value('newPassword') !== value('repeat')) return setMessage({ ok: false, text: t('password.mismatch') });
    try {
      const renewed = await api.changePassword(value('currentPassword'), value('newPassword'));
      form.reset();
      setOpen(false);
      setMessage({ ok: true, text: t('password.changed') });
      // The change ended the old token: the new one is taken at once, and the user (role, scope, as
      // the API has it now) read with it after.
      const next = { ...session, token: renewed.token, expiresAt: renewed.expiresAt };
      login(next);
      void withCurrentUser(next).then((current) => mounted.current && current !== next && login(current));
    } catch (err) {
      const wrong = err instanceof ApiError && err.status === 403;
      setMessage({ ok: false, text: wrong ? t('password.wrongCurrent') : t('common.error', { message: (err as Error).message }) });
    }
  };
  return (
    <span class="password-change">
      <button data-testid="password-open" onClick={() => (setOpen(!open), setMessage(null))}>
        {t('password.change')}
      </button>
      {message && !open && (
        <span class={message.ok ? 'ok' : 'error'} data-testid="password-message">
          {message.text}
        </span>
      )}
      {open && (
        <form class="password-form" onSubmit={submit} data-testid="password-form">
          <input name="currentPassword" type="password" autocomplete="current-password" required placeholder={t('password.current')} />
          <input name="newPassword" type="password" autocomplete="new-password" required placeholder={t('password.new')} />
          <input name="repeat" type="password" autocomplete="new-password" required placeholder={t('password.repeat')} />
          <button type="submit" data-testid="password-save">
            {t('admin.save')}
          </button>
          {message && (
            <span class="error" data-testid="password-message">
              {message.text}
            </span>
          )}
        </form>
      )}
    </span>
  );
}

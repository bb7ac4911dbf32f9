import { useApp } from '../context';
import { initialValue, patchBody, type EditField, type FormValues } from '../admin-patch';
import type { MessageKey } from '../i18n';

export interface EditFieldSpec extends EditField {
  label: MessageKey | string;
  options?: string[];
  /** i18n prefix of the options' labels (`role` → role.admin …); the value sent stays the option. */
  optionLabels?: string;
}

interface Props {
  /** How people name the row (a user's login, a webhook's name, else the id). */
  title: string;
  fields: EditFieldSpec[];
  row: Record<string, unknown> & { id: string };
  /** PATCHes what changed; rejects with the API's message. */
  save(body: Record<string, unknown>): Promise<void>;
  cancel(): void;
}

/**
 * One row's edit form: starts from its values (secrets empty: left empty, they stay as they are). The
 * fields are uncontrolled (defaults only, read on submit): the console re-renders on every push and
 * pong, and a controlled field without an input handler would be set back to the row's value.
 */
export function EditRowForm({ title, fields, row, save, cancel }: Props) {
  const { t, tv } = useApp();
  const label = (l: string) => (l.includes('.') ? t(l as MessageKey) : l);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const values: FormValues = {};
    for (const f of fields) {
      const input = form.elements.namedItem(f.name) as HTMLInputElement | HTMLSelectElement | null;
      values[f.name] = f.type === 'checkbox' ? (input as HTMLInputElement | null)?.checked : input?.value;
    }
    const body = patchBody(fields, row, values);
    if (Object.keys(body).length === 0) return cancel();
    void save(body);
  };
  return (
    <form class="create edit" onSubmit={submit} data-testid="edit-form" data-row-id={row.id}>
      <strong>{t('admin.editing', { id: title })}</strong>
      {fields.map((f) => {
        const initial = initialValue(f, row);
        return (
          <label>
            {label(f.label)}
            {f.type === 'select' ? (
              <select name={f.name}>
                {f.options?.map((o) => (
                  <option value={o} selected={o === String(initial)}>
                    {o === '' ? '—' : f.optionLabels ? tv(f.optionLabels, o) : o}
                  </option>
                ))}
              </select>
            ) : f.type === 'checkbox' ? (
              <input name={f.name} type="checkbox" defaultChecked={initial === true} />
            ) : f.type === 'password' ? (
              <input name={f.name} type="password" autocomplete="new-password" placeholder={t('admin.keepSecret')} />
            ) : (
              <input name={f.name} type="text" autocomplete="off" defaultValue={String(initial)} />
            )}
          </label>
        );
      })}
      <button type="submit" data-testid="edit-save">
        {t('admin.save')}
      </button>
      <button type="button" onClick={cancel}>
        {t('admin.cancel')}
      </button>
    </form>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';
import { useApp } from '../context';
import { formatTime } from '../format';
import { useOneAtATime } from '../one-at-a-time';
import type { MessageKey } from '../i18n';
import { EditRowForm, type EditFieldSpec } from './admin-edit';

type Row = Record<string, unknown> & { id: string };

/** A field of the create form: an edit form's field that may be required. */
interface FieldSpec extends EditFieldSpec {
  required?: boolean;
  /**
   * A select that starts on nothing: its empty first choice says this, and the form is not sent
   * until one is chosen (`missing` says so). For a choice no default fits (a role: admin by default
   * made a school's account an admin).
   */
  choose?: { prompt: MessageKey; missing: MessageKey };
}

interface TabSpec {
  key: MessageKey;
  path: string;
  columns: string[];
  fields: FieldSpec[];
  /** DELETE verb shown (revoke for keys). */
  remove: MessageKey;
  /** Response field shown once after creating (key, secret). */
  secret?: string;
  note?: MessageKey;
  /** What an admin may change on a row (PATCH `path/:id`); none: rows cannot be edited. */
  edit?: EditFieldSpec[];
  /** The field that names a row to people (default `id`; users and webhooks have UUIDs). */
  titleField?: string;
  /** Column headers that differ from the shared `col.*` one (a webhook's url is no stream). */
  columnLabels?: Record<string, MessageKey>;
  /** More buttons per row: each a POST to `path(id)`, its answer summed up by `done`. */
  rowActions?: RowAction[];
  /**
   * Edits send the row's `updatedAt` as If-Match; the API's 409 with this `reason` (another admin saved
   * the row since it was loaded) closes the form and loads the rows again, to be edited anew, and
   * `message` says so (the API's own message is English).
   */
  versionConflict?: { reason: string; message: MessageKey };
  /**
   * What is wrong with a row (a webhook no POST can go to), shown in `column` under its value:
   * `message` in the user's language, the API's English `detail` (null: nothing wrong) below it.
   */
  problem?: { column: string; message: MessageKey; detail: (row: Row) => string | null };
}

interface RowAction {
  /** data-testid of the button. */
  testId: string;
  label: MessageKey;
  path: (id: string) => string;
  done: (response: Record<string, unknown>) => { key: MessageKey; params: Record<string, string | number> };
}

const ROLES = ['admin', 'operator', 'school', 'viewer'];
/** A new user's or key's role: chosen every time, never a default. */
const CHOOSE_ROLE = { prompt: 'admin.chooseRole', missing: 'admin.roleMissing' } as const;
// '' first: no minimum (null), every alert goes out.
const SEVERITIES = ['', 'info', 'warning', 'major', 'critical'];
const TABS: TabSpec[] = [
  {
    key: 'admin.users',
    path: '/users',
    columns: ['username', 'displayName', 'role', 'regionIds', 'cameraIds', 'waters', 'disabled'],
    fields: [
      { name: 'username', label: 'login.username', required: true },
      { name: 'password', label: 'login.password', type: 'password', required: true },
      { name: 'role', label: 'admin.role', type: 'select', options: ROLES, optionLabels: 'role', required: true, choose: CHOOSE_ROLE },
      { name: 'regionIds', label: 'admin.regionIds', type: 'list' },
      { name: 'cameraIds', label: 'admin.cameraIds', type: 'list' },
      { name: 'waters', label: 'admin.waters', type: 'list' },
    ],
    titleField: 'username',
    // A forgotten password, a new post, someone who left (disabled: their tokens stop at once).
    edit: [
      { name: 'displayName', label: 'admin.displayName' },
      { name: 'password', label: 'login.password', type: 'password' },
      { name: 'role', label: 'admin.role', type: 'select', options: ROLES, optionLabels: 'role' },
      { name: 'regionIds', label: 'admin.regionIds', type: 'list' },
      { name: 'cameraIds', label: 'admin.cameraIds', type: 'list' },
      { name: 'waters', label: 'admin.waters', type: 'list' },
      { name: 'disabled', label: 'admin.disabled', type: 'checkbox' },
    ],
    remove: 'admin.delete',
  },
  {
    key: 'admin.regions',
    path: '/regions',
    columns: ['id', 'name', 'level', 'parentId'],
    fields: [
      { name: 'id', label: 'zones.id', required: true },
      { name: 'name', label: 'zones.name', required: true },
      { name: 'level', label: 'admin.level', type: 'select', options: ['city', 'county', 'township', 'village'], optionLabels: 'level' },
      { name: 'parentId', label: 'admin.parent' },
    ],
    edit: [
      { name: 'name', label: 'zones.name' },
      { name: 'level', label: 'admin.level', type: 'select', options: ['city', 'county', 'township', 'village'], optionLabels: 'level' },
      { name: 'parentId', label: 'admin.parent' },
    ],
    remove: 'admin.delete',
  },
  {
    key: 'admin.cameras',
    path: '/cameras',
    columns: ['id', 'name', 'regionId', 'url', 'subUrl', 'hasCredentials'],
    fields: [
      { name: 'id', label: 'zones.id', required: true },
      { name: 'name', label: 'zones.name' },
      { name: 'url', label: 'admin.url', type: 'password', required: true },
      { name: 'subUrl', label: 'admin.subUrl', type: 'password' },
      { name: 'regionId', label: 'filter.region' },
    ],
    // The camera's password changed (vendors force it), it moved: its zones and rules stay.
    edit: [
      { name: 'name', label: 'zones.name' },
      { name: 'url', label: 'admin.url', type: 'password' },
      { name: 'subUrl', label: 'admin.subUrl', type: 'password' },
      { name: 'regionId', label: 'filter.region' },
    ],
    remove: 'admin.delete',
    note: 'admin.passwordHint',
  },
  {
    key: 'admin.apiKeys',
    path: '/api-keys',
    columns: ['name', 'role', 'regionIds', 'cameraIds', 'waters', 'lastUsedAt', 'revokedAt'],
    fields: [
      { name: 'name', label: 'zones.name', required: true },
      { name: 'role', label: 'admin.role', type: 'select', options: ROLES, optionLabels: 'role', required: true, choose: CHOOSE_ROLE },
      { name: 'regionIds', label: 'admin.regionIds', type: 'list' },
      { name: 'cameraIds', label: 'admin.cameraIds', type: 'list' },
      { name: 'waters', label: 'admin.waters', type: 'list' },
    ],
    titleField: 'name',
    // A school's alarm box whose waters changed keeps its key (the role stays: another role, another key).
    edit: [
      { name: 'name', label: 'zones.name' },
      { name: 'regionIds', label: 'admin.regionIds', type: 'list' },
      { name: 'cameraIds', label: 'admin.cameraIds', type: 'list' },
      { name: 'waters', label: 'admin.waters', type: 'list' },
    ],
    remove: 'admin.revoke',
    secret: 'key',
  },
  {
    key: 'admin.webhooks',
    path: '/webhooks',
    columns: ['name', 'url', 'eventTypes', 'minSeverity', 'regionIds', 'cameraIds', 'waters', 'alarmsOnly', 'enabled'],
    columnLabels: { url: 'admin.receiverUrl' },
    fields: [
      { name: 'name', label: 'zones.name', required: true },
      { name: 'url', label: 'admin.webhookUrl', required: true },
      { name: 'eventTypes', label: 'admin.eventTypes', type: 'list', keepWhenEmpty: true },
      { name: 'minSeverity', label: 'admin.minSeverity', type: 'select', options: SEVERITIES, optionLabels: 'severity' },
      { name: 'regionIds', label: 'admin.regionIds', type: 'list' },
      { name: 'cameraIds', label: 'admin.cameraIds', type: 'list' },
      { name: 'waters', label: 'admin.waters', type: 'list' },
      // A siren at a pond sounds on every POST: alarms only, never the acknowledgement or resolution.
      { name: 'alarmsOnly', label: 'admin.alarmsOnly', type: 'checkbox' },
    ],
    titleField: 'name',
    edit: [
      { name: 'name', label: 'zones.name' },
      { name: 'url', label: 'admin.webhookUrl' },
      { name: 'eventTypes', label: 'admin.eventTypes', type: 'list', keepWhenEmpty: true },
      { name: 'minSeverity', label: 'admin.minSeverity', type: 'select', options: SEVERITIES, optionLabels: 'severity' },
      { name: 'regionIds', label: 'admin.regionIds', type: 'list' },
      { name: 'cameraIds', label: 'admin.cameraIds', type: 'list' },
      { name: 'waters', label: 'admin.waters', type: 'list' },
      { name: 'alarmsOnly', label: 'admin.alarmsOnly', type: 'checkbox' },
      { name: 'enabled', label: 'admin.enabled', type: 'checkbox' },
    ],
    remove: 'admin.delete',
    secret: 'secret',
    // Two admins editing one siren: the second save, on the older copy, is refused, not silently kept.
    versionConflict: { reason: 'webhook_changed', message: 'admin.webhookChanged' },
    // A URL stored before the API refused it (a port fetch never connects to): every delivery dead-lettered.
    problem: { column: 'url', message: 'admin.unsendable', detail: (row) => (row.unsendable as { reason?: string } | null | undefined)?.reason ?? null },
    rowActions: [
      // Does the siren sound? One signed test POST now, its answer shown.
      {
        testId: 'row-test',
        label: 'admin.sendTest',
        path: (id) => `/webhooks/${encodeURIComponent(id)}/test`,
        done: (r): ReturnType<RowAction['done']> =>
          r.outcome === 'delivered'
            ? { key: 'admin.testDelivered', params: { status: String(r.statusCode), ms: Number(r.durationMs) } }
            : { key: 'admin.testFailed', params: { error: String(r.error ?? r.statusCode) } },
      },
      // After the receiver was down: its dead-lettered deliveries go out again.
      {
        testId: 'row-action',
        label: 'admin.redeliver',
        path: (id) => `/webhooks/${encodeURIComponent(id)}/dead-letters/redeliver`,
        done: (r) => ({ key: 'admin.redelivered', params: { count: Array.isArray(r.redelivered) ? r.redelivered.length : 0 } }),
      },
    ],
  },
];

export function AdminScreen() {
  const { t } = useApp();
  const [tab, setTab] = useState(0);
  return (
    <section class="admin">
      <nav class="tabs">
        {TABS.map((spec, i) => (
          <button class={i === tab ? 'active' : ''} data-testid={`admin-tab-${spec.path.slice(1)}`} onClick={() => setTab(i)}>
            {t(spec.key)}
          </button>
        ))}
      </nav>
      <ResourceTab key={tab} spec={TABS[tab]} />
    </section>
  );
}

function ResourceTab({ spec }: { spec: TabSpec }) {
  const { api, t, tv } = useApp();
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState<Row | null>(null);
  const load = () => api.request<{ items: Row[] }>('GET', spec.path).then((r) => setRows(r.items), (err: Error) => setError(err.message));
  useEffect(() => void load(), [spec.path]);
  const label = (l: string) => (l.includes('.') ? t(l as MessageKey) : l);

  // One create at a time: nothing makes these POSTs idempotent, and a double click made two webhooks
  // (only the second's secret shown), two keys, or a user and a "name taken" error. Likewise one
  // row action at a time: Send test twice sounds the siren twice.
  const creating = useOneAtATime();
  const acting = useOneAtATime();
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const body: Record<string, unknown> = {};
    for (const f of spec.fields) {
      const raw = String(data.get(f.name) ?? '').trim();
      // The browser holds back a form whose required select is on its empty choice; said here too.
      if (f.choose && !raw) {
        setError(t(f.choose.missing));
        return;
      }
      if (f.type === 'checkbox') {
        body[f.name] = data.get(f.name) !== null;
        continue;
      }
      if (f.type === 'list') {
        const list = raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
        // A list that may not be empty is left out when empty: the API's default applies (all event types).
        if (list.length || !f.keepWhenEmpty) body[f.name] = list;
      }
      else if (raw) body[f.name] = raw;
    }
    await creating.run(async () => {
      try {
        const created = await api.request<Record<string, unknown>>('POST', spec.path, body);
        setSecret(spec.secret ? String(created[spec.secret]) : null);
        setError(null);
        form.reset();
        await load();
      } catch (err) {
        setError((err as Error).message);
      }
    });
  };
  const remove = async (row: Row) => {
    // Next to Edit, and rows move after every action: a misclick must not delete a camera (its zones
    // and rules with it) or a user, or revoke a school's key.
    if (!window.confirm(t('admin.confirmRemove', { action: t(spec.remove), id: titleOf(row) }))) return;
    const id = row.id;
    try {
      await api.request('DELETE', `${spec.path}/${encodeURIComponent(id)}`);
      await load();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const titleOf = (row: Row) => String(row[spec.titleField ?? 'id'] ?? row.id);
  const saving = useOneAtATime(); // the edit form's Save, double-clicked: one PATCH
  const update = (row: Row, body: Record<string, unknown>) =>
    saving.run(async () => {
      try {
        const ifMatch: Record<string, string> = spec.versionConflict && typeof row.updatedAt === 'number' ? { 'if-match': `"${row.updatedAt}"` } : {};
        await api.request('PATCH', `${spec.path}/${encodeURIComponent(row.id)}`, body, null, ifMatch);
        setEditing(null);
        setError(null);
        setNotice(t('admin.saved', { id: titleOf(row) }));
        await load();
      } catch (err) {
        const conflict = spec.versionConflict && err instanceof ApiError && err.status === 409 && !err.foreign && err.reason === spec.versionConflict.reason ? spec.versionConflict : null;
        setError(conflict ? t(conflict.message) : (err as Error).message);
        // The form holds the older copy: saved again it would be refused again.
        if (conflict) {
          setEditing(null);
          await load();
        }
      }
    });
  const act = (action: RowAction, row: Row) =>
    acting.run(async () => {
      setNotice(null); // the last action's result must not pass for this one's while it goes
      try {
        const { key, params } = action.done(await api.request<Record<string, unknown>>('POST', action.path(row.id), {}));
        // Named: with several sirens, "Test delivered" must say whose.
        setNotice(t('admin.rowResult', { id: titleOf(row), result: t(key, params) }));
        setError(null);
      } catch (err) {
        setError((err as Error).message);
      }
    });
  /** Sets (or, null, clears) the note a select's browser shows when the form is held back for it. */
  const noteMissing = (missing: MessageKey | null) => (e: Event) => (e.currentTarget as HTMLSelectElement).setCustomValidity(missing ? t(missing) : '');
  const show = (v: unknown) =>
    Array.isArray(v) ? v.join(', ') : v === null || v === undefined ? '—' : typeof v === 'boolean' ? t(v ? 'common.yes' : 'common.no') : typeof v === 'number' && v > 1e12 ? formatTime(v) : String(v);

  return (
    <div data-testid={`admin-${spec.path.slice(1)}`}>
      {spec.note && <p class="hint">{t(spec.note)}</p>}
      {error && <p class="error">{t('common.error', { message: error })}</p>}
      {notice && (
        <p class="notice" data-testid="row-action-result">
          {notice}
        </p>
      )}
      {secret && (
        <p class="secret" data-testid="shown-once">
          {t('admin.shownOnce', { secret })}
        </p>
      )}
      <table>
        <thead>
          <tr>
            {spec.columns.map((c) => (
              <th>{spec.columnLabels?.[c] ? t(spec.columnLabels[c]) : tv('col', c)}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr data-row-id={row.id}>
              {spec.columns.map((c) => {
                const labels = spec.fields.find((f) => f.name === c)?.optionLabels;
                const problem = spec.problem?.column === c ? spec.problem.detail(row) : null;
                return (
                  <td>
                    {labels && typeof row[c] === 'string' ? tv(labels, row[c]) : show(row[c])}
                    {problem && spec.problem && (
                      <p class="error" data-testid="row-problem">
                        {t('common.error', { message: t(spec.problem.message) })}
                        <br />
                        <small data-testid="row-problem-detail" lang="en">
                          {problem}
                        </small>
                      </p>
                    )}
                  </td>
                );
              })}
              <td>
                {spec.rowActions?.map((action) => (
                  <button data-testid={action.testId} disabled={acting.busy} onClick={() => void act(action, row)}>
                    {t(action.label)}
                  </button>
                ))}
                {spec.edit && !row.revokedAt && (
                  <button data-testid="row-edit" onClick={() => setEditing(row)}>
                    {t('admin.edit')}
                  </button>
                )}
                <button data-testid="row-delete" onClick={() => void remove(row)}>
                  {t(spec.remove)}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {editing && spec.edit && <EditRowForm key={editing.id} title={titleOf(editing)} fields={spec.edit} row={editing} save={(body) => update(editing, body)} cancel={() => setEditing(null)} />}
      <form class="create" onSubmit={create}>
        {spec.fields.map((f) => (
          <label>
            {label(f.label)}
            {f.type === 'select' ? (
              <select
                name={f.name}
                required={f.required}
                // The browser's own note on the empty choice, in the console's language.
                onInvalid={f.choose && noteMissing(f.choose.missing)}
                onChange={f.choose && noteMissing(null)}
              >
                {f.choose && <option value="">{t(f.choose.prompt)}</option>}
                {f.options?.map((o) => (
                  <option value={o}>{o === '' ? '—' : f.optionLabels ? tv(f.optionLabels, o) : o}</option>
                ))}
              </select>
            ) : f.type === 'password' ? (
              <input name={f.name} type="password" required={f.required} autocomplete="new-password" />
            ) : f.type === 'checkbox' ? (
              <input name={f.name} type="checkbox" />
            ) : (
              <input name={f.name} type="text" required={f.required} autocomplete="off" />
            )}
          </label>
        ))}
        <button type="submit" disabled={creating.busy}>
          {t('admin.create')}
        </button>
      </form>
    </div>
  );
}

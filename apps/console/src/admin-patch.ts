// What an admin's edit form sends: only what was changed. A password field left empty keeps the
// current secret (the API never returns it); an empty text field cannot clear a value (the API would
// refuse an empty id), it keeps it.

export interface EditField {
  name: string;
  type?: 'text' | 'password' | 'select' | 'list' | 'checkbox';
  /**
   * A list that may not be empty (a webhook's event types): emptied in an edit form it stays as it
   * is; left empty in a create form it is not sent, and the API's default applies.
   */
  keepWhenEmpty?: boolean;
}

/** The form's values: text as typed, checkboxes as booleans. */
export type FormValues = Record<string, string | boolean | undefined>;

export function patchBody(fields: EditField[], row: Record<string, unknown>, values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const value = values[f.name];
    if (f.type === 'checkbox') {
      if (Boolean(value) !== Boolean(row[f.name])) body[f.name] = Boolean(value);
      continue;
    }
    const raw = typeof value === 'string' ? value.trim() : '';
    if (f.type === 'password') {
      if (raw) body[f.name] = raw;
    } else if (f.type === 'list') {
      const list = raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [];
      if (!list.length && f.keepWhenEmpty) continue;
      const before = Array.isArray(row[f.name]) ? (row[f.name] as unknown[]).map(String) : [];
      if (list.join(',') !== before.join(',')) body[f.name] = list;
    } else if (raw && raw !== String(row[f.name] ?? '')) {
      body[f.name] = raw;
    } else if (f.type === 'select' && !raw && row[f.name] !== null && row[f.name] !== undefined) {
      // A select's empty choice ('—') is "none": a webhook's lowest severity taken away.
      body[f.name] = null;
    }
  }
  return body;
}

/** The value a field of the edit form starts with: the row's, except secrets. */
export function initialValue(field: EditField, row: Record<string, unknown>): string | boolean {
  const v = row[field.name];
  if (field.type === 'checkbox') return Boolean(v);
  if (field.type === 'password' || v === null || v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

// CSV as spreadsheets read it (RFC 4180, CRLF), safe to open: text that a spreadsheet would run as
// a formula (=, +, -, @, tab, CR at the start: camera names and notes are typed by people) is
// prefixed with an apostrophe, the OWASP advice against CSV injection.

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * A whole document: a UTF-8 byte-order mark first so that Excel opens Chinese names correctly,
 * then the header and the rows.
 */
export function csvDocument(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  let out = `\uFEFF${csvLine(header)}`;
  for (const row of rows) out += csvLine(row);
  return out;
}

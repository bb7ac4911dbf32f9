/** Parses a JSON column; a corrupt value is a bug worth a loud error naming the column. */
export function parseJsonColumn<T>(value: string, column: string): T {
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new Error(`corrupt JSON in column ${column}`);
  }
}

/** The JSON list column's value without `id`; null when it does not hold `id` (nothing to write). */
export function jsonListWithout(value: string, id: string, column: string): string | null {
  const ids = parseJsonColumn<string[]>(value, column);
  return ids.includes(id) ? JSON.stringify(ids.filter((x) => x !== id)) : null;
}

/** A LIKE pattern matching JSON list text that may hold the string `id` (confirm with jsonListWithout). */
export function jsonListMayHold(id: string): string {
  return `%"${id.replace(/[\\%_]/g, (c) => `\\${c}`)}"%`;
}

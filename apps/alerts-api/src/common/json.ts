/** Parses a JSON column; a corrupt value is a bug worth a loud error naming the column. */
export function parseJsonColumn<T>(value: string, column: string): T {
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new Error(`corrupt JSON in column ${column}`);
  }
}

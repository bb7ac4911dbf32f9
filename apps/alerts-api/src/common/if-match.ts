import { validationError } from './zod-pipe';

/**
 * The version an If-Match names — the resource's `updatedAt` the change was built on, quoted or bare:
 * undefined when absent or `*` (no check); 400 for anything else. `resource` names it in the error.
 */
export function versionOfIfMatch(header: string | undefined, resource: string): number | undefined {
  const value = header?.trim();
  if (value === undefined || value === '' || value === '*') return undefined;
  const digits = /^(?:"(\d{1,16})"|(\d{1,16}))$/.exec(value);
  const version = digits ? Number(digits[1] ?? digits[2]) : NaN;
  if (Number.isSafeInteger(version)) return version;
  throw validationError('header', [{ field: 'If-Match', rule: 'format', message: `must be the ${resource}'s updatedAt, quoted or bare (e.g. "1764755000000")` }]);
}

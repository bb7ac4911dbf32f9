import type { z } from 'zod';

/**
 * Parses an app's environment settings with its schema; every problem is reported at once, naming
 * the variable: "invalid ingest settings: LEASE_TTL_MS: Too small: expected number to be >=1000".
 */
export function parseSettings<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, app: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new Error(`invalid ${app} settings: ${issues}`);
}

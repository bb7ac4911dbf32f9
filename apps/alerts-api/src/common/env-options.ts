import type { z } from 'zod';

/** A module's settings from the environment; a bad value stops start-up naming the variable and the bound. */
export function parseEnvOptions<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>, what: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new Error(`invalid alerts-api ${what} settings: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

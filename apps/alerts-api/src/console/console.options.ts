import path from 'node:path';
import { z } from 'zod';
import { resolveOptions } from '../realtime/realtime.options';

/** Repository root from this file's place (apps/alerts-api/src/console, or its twin under dist/). */
const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../../..' : '../../../..');

export const consoleOptionsSchema = z.strictObject({
  dir: z
    .string()
    .min(1)
    .default(path.join(repoRoot, 'dist/apps/console'))
    .describe('directory of the built console (vite build output: index.html and assets/)'),
});

export type ConsoleOptions = z.infer<typeof consoleOptionsSchema>;
export type ConsoleOptionsInput = z.input<typeof consoleOptionsSchema>;

/** Options from the environment (CONSOLE_DIR), overridden by explicit ones. */
export function resolveConsoleOptions(explicit: ConsoleOptionsInput = {}, env: NodeJS.ProcessEnv = process.env): ConsoleOptions {
  return resolveOptions(consoleOptionsSchema, 'console', explicit, env, { CONSOLE_DIR: ['dir'] });
}

export const CONSOLE_OPTIONS = Symbol('console options');

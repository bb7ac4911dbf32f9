import { z } from 'zod';
import { parseEnvOptions } from '../common/env-options';

/** Backups of the embedded SQLite database, from the environment. Every field: description, default, bounds. */
export const backupEnvSchema = z.object({
  BACKUP_DIR: z
    .string()
    .min(1)
    .optional()
    .describe('SQLite only: directory the API copies its database into, consistently and while it serves (unset: no backups). Put it on another disk or a mounted remote volume. PostgreSQL: back up with pg_dump or its own tooling (docs/deployment.md)'),
  BACKUP_EVERY_HOURS: z.coerce.number().int().min(1).max(168).default(24).describe('hours between backups; the first comes this long after the newest one found in BACKUP_DIR (at once when there is none)'),
  BACKUP_KEEP: z.coerce.number().int().min(1).max(365).default(7).describe('backups kept; older ones are deleted after each successful backup'),
});

export type BackupOptions = z.output<typeof backupEnvSchema>;

export function loadBackupOptions(env: Record<string, string | undefined>): BackupOptions {
  return parseEnvOptions(backupEnvSchema, env, 'backup');
}

export const BACKUP_OPTIONS = Symbol('backup options');

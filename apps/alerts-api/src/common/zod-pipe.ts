import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

export interface ValidationIssue {
  /** Dotted path of the field inside the body/query, e.g. "zones[0].polygon". */
  field: string;
  /** The zod rule that failed (too_big, invalid_type, unrecognized_keys, custom, …). */
  rule: string;
  message: string;
}

/** "zones[0].polygon" from zod's ['zones', 0, 'polygon']. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

export function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? (issue as { keys?: string[] }).keys : undefined;
    const field = formatPath([...issue.path, ...(keys?.length === 1 ? [keys[0]] : [])]);
    return { field, rule: issue.code, message: issue.message };
  });
}

/** 400 whose message names each field and the rule it broke, e.g. "body.severity: Invalid option…". */
export function validationError(where: string, issues: ValidationIssue[]): BadRequestException {
  const message = issues.map((i) => `${where}${i.field ? `.${i.field}` : ''}: ${i.message} (${i.rule})`).join('; ');
  return new BadRequestException({ statusCode: 400, error: 'Bad Request', message, issues: issues.map((i) => ({ ...i, in: where })) });
}

/**
 * Validates (and coerces / fills defaults of) a body, query or route parameter with a zod schema.
 * Messages never echo the rejected value: a camera URL may carry a password.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'params' | string = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    // An absent body reads as {} so that the errors name the missing fields.
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    throw validationError(this.where, toIssues(result.error));
  }
}

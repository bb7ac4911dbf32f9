import { z } from 'zod';

/** A time in a query string: epoch milliseconds or an ISO 8601 date-time, as epoch ms. */
export const timeQuery = z
  .string()
  .transform((value, ctx) => {
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be epoch milliseconds or an ISO 8601 date-time' });
      return z.NEVER;
    }
    return ms;
  })
  .describe('epoch milliseconds or ISO 8601 date-time');

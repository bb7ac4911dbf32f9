import '../testing/nest-esm';
import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from './zod-pipe';

describe('ZodPipe', () => {
  const schema = z.strictObject({ name: z.string().max(3), tags: z.array(z.enum(['a', 'b'])).default([]) });

  it('returns the parsed value with defaults', () => {
    expect(new ZodPipe(schema).transform({ name: 'ab' })).toEqual({ name: 'ab', tags: [] });
  });

  it('throws 400 naming each field and the rule, without echoing values', () => {
    let error: BadRequestException | undefined;
    try {
      new ZodPipe(schema).transform({ name: 'secret-value', tags: ['c'], extra: 1 });
    } catch (err) {
      error = err as BadRequestException;
    }
    expect(error).toBeInstanceOf(BadRequestException);
    const body = error!.getResponse() as { message: string; issues: { field: string; rule: string }[] };
    expect(body.issues.map((i) => [i.field, i.rule])).toEqual([
      ['name', 'too_big'],
      ['tags[0]', 'invalid_value'],
      ['extra', 'unrecognized_keys'],
    ]);
    expect(body.message).toContain('body.name: ');
    expect(body.message).not.toContain('secret-value');
  });

  it('reads an absent body as an empty object so that missing fields are named', () => {
    expect(() => new ZodPipe(schema).transform(undefined)).toThrow(/body\.name/);
  });
});

import '../testing/nest-esm';
import { BadRequestException } from '@nestjs/common';
import { findNul, NulFreeInputPipe } from './nul-free.pipe';

describe('NulFreeInputPipe', () => {
  const pipe = new NulFreeInputPipe();

  it('finds a NUL in nested values and keys, and nothing in clean input', () => {
    expect(findNul({ zones: [{ id: 'a' }, { id: 'b\u0000' }] })).toEqual(['zones', 1, 'id']);
    expect(findNul({ ['k\u0000']: 1 })).toEqual(['k\u0000']);
    expect(findNul({ note: "'; DROP TABLE alerts; --", n: 1, list: ['北塘', null] })).toBeNull();
  });

  it('refuses a NUL in a route parameter, query or body with a 400 naming the field', () => {
    const error = (() => {
      try {
        pipe.transform('cam\u0000a', { type: 'param', data: 'id' });
      } catch (err) {
        return err as BadRequestException;
      }
      throw new Error('expected a 400');
    })();
    expect(error).toBeInstanceOf(BadRequestException);
    expect(error.getResponse()).toMatchObject({ statusCode: 400, message: 'params.id: must not contain NUL (U+0000) characters (no_nul)' });
    expect(() => pipe.transform({ note: 'a\u0000' }, { type: 'body' })).toThrow(/body\.note/);
    expect(() => pipe.transform({ ruleId: '\u0000' }, { type: 'query' })).toThrow(/query\.ruleId/);
  });

  it('passes clean input unchanged and leaves custom decorators alone', () => {
    const body = { name: 'North pond', polygon: [[0, 0]] };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
    const principal = { name: 'x\u0000' };
    expect(pipe.transform(principal, { type: 'custom' })).toBe(principal);
  });
});

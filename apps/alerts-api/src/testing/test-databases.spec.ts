import { databaseKinds } from './test-databases';

describe('databaseKinds', () => {
  it('runs database tests on SQLite and PostgreSQL unless told otherwise', () => {
    expect(databaseKinds({})).toEqual(['sqlite', 'postgres']);
    expect(databaseKinds({ CI: 'true' })).toEqual(['sqlite', 'postgres']);
  });

  it('refuses XL_TEST_SKIP_POSTGRES=1 under CI: the PostgreSQL cases must not drop out of a green run', () => {
    expect(() => databaseKinds({ CI: 'true', XL_TEST_SKIP_POSTGRES: '1' })).toThrow('XL_TEST_SKIP_POSTGRES=1 is set under CI: the PostgreSQL cases would be left out (unset it and start PostgreSQL)');
  });

  it('leaves PostgreSQL out on a machine without it, and says so', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(databaseKinds({ XL_TEST_SKIP_POSTGRES: '1' })).toEqual(['sqlite']);
      expect(warn).toHaveBeenCalledWith('XL_TEST_SKIP_POSTGRES=1: database tests run on SQLite only, their PostgreSQL cases skipped');
    } finally {
      warn.mockRestore();
    }
  });
});

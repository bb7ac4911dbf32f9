import fc from 'fast-check';

// Values that have broken web APIs before: SQL and path syntax, NUL and lone surrogates (PostgreSQL
// refuses NUL in text), prototype keys, number edge cases, very long strings.

export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\uffff',
  "'; DROP TABLE alerts; --",
  "' OR '1'='1",
  '"); DELETE FROM users; --',
  '%',
  '%00',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd',
  'file:///etc/passwd',
  'http://169.254.169.254/latest/meta-data/',
  'rtsp://admin:pw@10.0.0.1:554/main',
  '__proto__',
  'constructor',
  'toString',
  '<script>alert(1)</script>',
  '${7*7}',
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '9007199254740993',
  '0x10',
  'true',
  'null',
  '[]',
  '{}',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
  'a'.repeat(70),
  'x'.repeat(5000),
  '北塘 north pond',
  '\u202etxt.exe',
];

export const HOSTILE_NUMBERS = [0, -0, -1, 1, 0.5, 1e-300, 1e300, -1e300, 2 ** 31, 2 ** 53 + 2, Number.MAX_VALUE, Number.MIN_VALUE];

/** Any string: arbitrary text (every code point, including lone surrogates) or a hostile one. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Any JSON value, biased towards hostile strings and numbers. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(...HOSTILE_NUMBERS, null, true, [], {}) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'role'), fc.jsonValue({ maxDepth: 2 })) },
);

// Worker entry when the pool runs from TypeScript sources (jest, ts runners): compiles the .ts worker
// and what it imports on the fly with the project's own swc options (the same the build and jest
// use, @xl/* aliases included). The built pool (dist/) starts the compiled worker.js directly.
const { readFileSync } = require('node:fs');
const { transformSync } = require('@swc/core');
const { swcOptions } = require('../../../tools/swc-options.cjs');

const options = swcOptions();
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, 'utf8'), { ...options, filename, swcrc: false, sourceMaps: 'inline' });
  module._compile(code, filename);
};
process.setSourceMapsEnabled(true);
require('./worker.ts');

// Jest environment for specs that run onnxruntime-node on jest's own thread (the in-process
// detector). Jest gives each test file its own realm; onnxruntime-node's native binding returns
// output tensors as typed arrays of Node's main realm, and onnxruntime-common (loaded in the test
// realm) rejects them with `instanceof Float32Array`. Sharing the main realm's typed-array
// constructors with the test realm fixes that. Worker threads (the pool) are plain Node and do not
// need this. Use with a docblock at the top of the spec:
//   /** @jest-environment ./libs/detection/ort-jest-environment.js */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtTestEnvironment;

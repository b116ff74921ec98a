// Jest's node environment gives each test file its own realm, so typed arrays that ONNX Runtime's
// native code creates (outer realm) fail onnxruntime-common's `instanceof Float32Array` checks.
// This environment hands the sandbox the outer realm's typed-array constructors. Use it with the
// docblock `@jest-environment ./test/models/ort-test-environment.js` in files that run ORT.
const { TestEnvironment } = require('jest-environment-node')

const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
]

class OrtTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context)
    for (const name of SHARED) this.global[name] = globalThis[name]
  }
}

module.exports = OrtTestEnvironment

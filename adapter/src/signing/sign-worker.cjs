// Signing worker: holds the operator key and, off the adapter's event loop, computes the EIP-712
// digest of each answer and signs it with libsecp256k1 (tiny-secp256k1, WebAssembly; RFC 6979
// nonces, low-s). The digest is the one of eip712.ts (a test checks that both sign identically):
// keccak256(0x1901 ‖ domainSeparator ‖ keccak256(typeHash ‖ modelHash ‖ inputHash ‖ result ‖
// keccak256(jobRunId))).
// Receives { seq, items: [modelHash, inputHash, resultHex64, jobRunId][] }, answers
// { seq, signatures: string[] } (65-byte r‖s‖v hex, v = 27/28) or { seq, error }.
const { parentPort, workerData } = require('node:worker_threads')
const { keccak256 } = require('ethers')
const { signRecoverable } = require('tiny-secp256k1')

const key = Buffer.from(workerData.privateKey.slice(2), 'hex')
const domainSeparator = Buffer.from(workerData.domainSeparator.slice(2), 'hex')
const typeHash = Buffer.from(workerData.typeHash.slice(2), 'hex')

function sign([modelHash, inputHash, resultHex, jobRunId]) {
  const struct = Buffer.alloc(160)
  typeHash.copy(struct, 0)
  struct.write(modelHash.slice(2), 32, 'hex')
  struct.write(inputHash.slice(2), 64, 'hex')
  struct.write(resultHex, 96, 'hex')
  struct.write(keccak256(Buffer.from(jobRunId, 'utf8')).slice(2), 128, 'hex')
  const outer = Buffer.alloc(66)
  outer[0] = 0x19
  outer[1] = 0x01
  domainSeparator.copy(outer, 2)
  outer.write(keccak256(struct).slice(2), 34, 'hex')
  const digest = Buffer.from(keccak256(outer).slice(2), 'hex')
  const { signature, recoveryId } = signRecoverable(digest, key)
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recoveryId).toString(16)}`
}

parentPort.on('message', (msg) => {
  try {
    parentPort.postMessage({ seq: msg.seq, signatures: msg.items.map(sign) })
  } catch (err) {
    parentPort.postMessage({ seq: msg.seq, error: String(err && err.message) })
  }
})

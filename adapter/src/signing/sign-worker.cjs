// Signing worker: holds the operator key and signs EIP-712 digests off the adapter's event loop
// with libsecp256k1 (tiny-secp256k1, WebAssembly; RFC 6979 nonces, low-s).
// Receives { seq, digests: string[] }, answers { seq, signatures: string[] } (65-byte r|s|v hex,
// v = 27/28) or { seq, error }.
const { parentPort, workerData } = require('node:worker_threads')
const { signRecoverable } = require('tiny-secp256k1')

const key = Buffer.from(workerData.privateKey.slice(2), 'hex')

function sign(digest) {
  const { signature, recoveryId } = signRecoverable(Buffer.from(digest.slice(2), 'hex'), key)
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recoveryId).toString(16)}`
}

parentPort.on('message', (msg) => {
  try {
    parentPort.postMessage({ seq: msg.seq, signatures: msg.digests.map(sign) })
  } catch (err) {
    parentPort.postMessage({ seq: msg.seq, error: String(err && err.message) })
  }
})

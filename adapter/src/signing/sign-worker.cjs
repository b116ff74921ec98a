// Signing worker: holds the operator key and signs EIP-712 digests off the adapter's event loop.
// Receives { seq, digests: string[] }, answers { seq, signatures: string[] } (65-byte r|s|v hex,
// v = 27/28) or { seq, error }.
const { parentPort, workerData } = require('node:worker_threads')
const { SigningKey } = require('ethers')

const key = new SigningKey(workerData.privateKey)

parentPort.on('message', (msg) => {
  try {
    const signatures = msg.digests.map((d) => key.sign(d).serialized)
    parentPort.postMessage({ seq: msg.seq, signatures })
  } catch (err) {
    parentPort.postMessage({ seq: msg.seq, error: String(err && err.message) })
  }
})

import { toUtf8String } from 'ethers'

import type { NodeObservation } from './aggregation'
import type { DonEvent } from './local-don'

const short = (hex: string): string =>
  hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex

function describeObservation(o: NodeObservation | 'missing'): string {
  if (o === 'missing') return 'missing (offline)'
  if (o.ok) return `result ${o.result.length} bytes 0x${short(o.result.toString('hex'))}`
  return `error "${o.error.toString('utf8')}"`
}

/** One human-readable line per DON event (for `npm run don` and the demo). */
export function describeDonEvent(e: DonEvent): string {
  switch (e.type) {
    case 'started':
      return `DON started: n=${e.n}, f=${e.f}, ${e.requiredSignatures} signatures per report, from block ${e.fromBlock}`
    case 'request':
      return `request ${short(e.requestId)} from ${e.requestingContract} (args: ${e.args.length})`
    case 'node':
      return `  node ${e.node}: ${describeObservation(e.observation)}`
    case 'error':
      return `DON error: ${e.message}`
    case 'outcome': {
      const o = e.outcome
      if (o.kind === 'no-quorum') {
        return `  no quorum for ${short(o.requestId)}: ${o.present} nodes present, ${o.required} needed; nothing transmitted`
      }
      if (o.kind === 'rejected')
        return `  Coordinator rejected the report (tx ${o.txHash}): ${o.reason}`
      const what = o.processed
        ? `${o.processed.resultName}${o.processed.err !== '0x' ? `, error "${safeUtf8(o.processed.err)}"` : ''}`
        : o.notProcessed
          ? `NOT processed: ${o.notProcessed.resultName}`
          : 'no router event'
      return `  report signed by ${o.signers.length} nodes, transmitted by ${o.transmitter} (tx ${o.txHash}): ${what}`
    }
  }
}

function safeUtf8(hex: string): string {
  try {
    return toUtf8String(hex)
  } catch {
    return hex
  }
}

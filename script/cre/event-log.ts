import type { CreDonEvent, CreNodeRecord, CreRoundOutcome } from './local-cre-don'

const short = (hex: string): string =>
  hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex

function describeNode(record: CreNodeRecord | 'missing'): string {
  if (record === 'missing') return 'silent (offline)'
  const o = record.observation
  if (!o.ok) return `error "${o.error}"`
  const v = o.value
  return `result ${v.result}, ${v.agreed} of ${v.responded} agreed, model ${short(v.modelHash)}`
}

/** One line for a round's outcome. */
export function describeCreOutcome(o: CreRoundOutcome): string {
  switch (o.kind) {
    case 'no-quorum':
      return `  no consensus for ${short(o.requestId)}: ${o.present} nodes observed, ${o.required} needed; nothing sent (the request stays pending)`
    case 'execution-failed':
      return `  execution for ${short(o.requestId)} failed: ${o.reason}`
    case 'reverted':
      return `  the KeystoneForwarder refused the report (tx ${o.txHash}): ${o.reason}`
    case 'delivered': {
      const v = o.verdict
      const verdict =
        v.event === 'InferenceAccepted'
          ? `InferenceAccepted, result ${v.result}, ${v.agreed} agreed`
          : v.event === 'none'
            ? 'no oracle event'
            : `${v.event}(${v.reason})`
      const how = o.consensus === 'default' ? ' (the no-result default)' : ''
      return `  report${how} signed by ${o.signers.length} nodes, sent by ${o.transmitter} through the KeystoneForwarder (tx ${o.txHash}, ${o.gasUsed} gas): ${verdict}`
    }
  }
}

/** One human-readable line per CRE DON event (for `npm run cre -- don` and the demo). */
export function describeCreDonEvent(e: CreDonEvent): string {
  switch (e.type) {
    case 'started':
      return `CRE DON started: n=${e.n}, f=${e.f}, ${e.f + 1} signatures per report, DON ${e.donId} v${e.configVersion}, serving ${e.oracles.join(', ')} from block ${e.fromBlock}`
    case 'request':
      return `request ${short(e.requestId)} from ${e.client} on ${e.oracle}: model ${e.modelName}, threshold ${e.threshold}${e.attempt > 0 ? ` (re-run ${e.attempt})` : ''}`
    case 'node':
      return `  node ${e.node}: ${describeNode(e.record)}`
    case 'consensus':
      return e.outcome.kind === 'agreed'
        ? `  consensus by fields: agreed${e.outcome.defaulted.length > 0 ? ` (default for ${e.outcome.defaulted.join(', ')})` : ''}`
        : e.outcome.kind === 'insufficient'
          ? `  consensus: ${e.outcome.observations} observations, ${e.outcome.required} needed`
          : `  consensus failed: ${e.outcome.reason}${e.outcome.kind === 'default' ? ' -> the no-result default' : ''}`
    case 'outcome':
      return describeCreOutcome(e.outcome)
    case 'error':
      return `CRE DON error: ${e.message}`
  }
}

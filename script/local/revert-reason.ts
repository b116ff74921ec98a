import { isError, type Interface, type Provider, type TransactionRequest } from 'ethers'

import { describeError } from './round-loop'

/**
 * Replays a reverted transaction as a call (on the state before its block) to learn why it
 * reverted: the custom error decoded with `iface`, else its raw revert data, else the call's error.
 * `whenReplaySucceeds` is the reason given when the replay does not revert.
 */
export async function replayRevertReason(
  provider: Provider,
  call: TransactionRequest,
  iface: Interface,
  whenReplaySucceeds: string,
): Promise<string> {
  try {
    await provider.call(call)
    return whenReplaySucceeds
  } catch (err) {
    const revertData = isError(err, 'CALL_EXCEPTION') ? err.data : undefined
    if (revertData) {
      const parsed = iface.parseError(revertData)
      if (parsed)
        return parsed.args.length > 0 ? `${parsed.name}(${parsed.args.join(', ')})` : parsed.name
      return `reverted with data ${revertData}`
    }
    return describeError(err)
  }
}

import { HDNodeWallet, Mnemonic } from 'ethers'

/**
 * anvil's well-known development mnemonic: its accounts are public test keys, funded with 10,000
 * ETH on every anvil chain and worthless anywhere else. Never use them on a real network.
 */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk'

/** How many accounts anvil funds by default. */
export const ANVIL_ACCOUNT_COUNT = 10

let cache: string[] | undefined

/** The private key of anvil's development account `index` (m/44'/60'/0'/0/index). */
export function anvilPrivateKey(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= ANVIL_ACCOUNT_COUNT) {
    throw new RangeError(`anvil account index must be 0..${ANVIL_ACCOUNT_COUNT - 1}, got ${index}`)
  }
  if (cache === undefined) {
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_MNEMONIC), "m/44'/60'/0'/0")
    cache = Array.from({ length: ANVIL_ACCOUNT_COUNT }, (_, i) => root.deriveChild(i).privateKey)
  }
  const key = cache[index]
  if (key === undefined) throw new RangeError(`no anvil account ${index}`)
  return key
}

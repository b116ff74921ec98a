import { HDNodeWallet, Mnemonic, Wallet } from 'ethers'

import { rpcCall } from './anvil'
import { ANVIL_MNEMONIC, anvilPrivateKey } from './anvil-accounts'
import { ensureDeploymentsDir, readDeploymentFile } from './deployment-file'
import { LOCAL_FORGE_CACHE, LOCAL_FORGE_OUT, forgeBuild } from './forge-artifacts'
import { runForgeScript } from './forge-script'
import { FUNCTIONS_DEPLOYER_INDEX } from './functions-deployment'

/** What script/DeployLocalCre.s.sol deployed (the `cre` key of the deployment file). */
export interface LocalCreDeployment {
  /** Chainlink's KeystoneForwarder 1.2.0. */
  forwarder: string
  donId: number
  configVersion: number
  f: number
  /** The DON nodes' report signing addresses, in the forwarder's config order. */
  signers: string[]
  /** The workflow whose reports the CRE oracles accept: owner and plain name. */
  workflowOwner: string
  workflowName: string
  /** The metadata's `bytes10` for `workflowName` (CrePayload.workflowName), `0x` + 20 hex. */
  workflowNameEncoded: string
  startBlock: number
  /** The signing keys of the default DON: m/44'/60'/0'/0/10..13 of anvil's public mnemonic. */
  donKeyring: string[]
  /** Keys the local DON's nodes transmit from (funded on anvil by `deployLocalCre`). */
  transmitterKeys: string[]
}

/** The file that puts Chainlink's KeystoneForwarder (solc 0.8.24) into a forge build. */
export const KEYSTONE_TOOLCHAIN = 'test/contracts/KeystoneToolchain.t.sol'
/** First mnemonic index of the default DON's signing keys (DeployLocalCre.s.sol: after anvil's 10). */
export const CRE_SIGNER_FIRST_INDEX = 10
/** First mnemonic index of the local DON's transmitter keys (after the signers). */
export const CRE_TRANSMITTER_FIRST_INDEX = 14
/** Nodes of the default local CRE DON (n = 4, f = 1). */
export const CRE_DON_SIZE = 4
/** What each transmitter gets on anvil: enough for many thousand reports. */
const TRANSMITTER_BALANCE_WEI = 100n * 10n ** 18n

/**
 * The private key at m/44'/60'/0'/0/`index` of anvil's public development mnemonic. Indexes 0-9
 * are the accounts anvil funds (`anvilPrivateKey`); the local CRE DON's keys come after them.
 * DEV ONLY: everyone knows these keys.
 */
export function mnemonicKey(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 1000) {
    throw new RangeError(`mnemonic index must be 0..1000, got ${index}`)
  }
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ANVIL_MNEMONIC), "m/44'/60'/0'/0")
  return root.deriveChild(index).privateKey
}

function field<T>(obj: Record<string, unknown>, key: string): T {
  if (!(key in obj)) throw new Error(`deployment file: missing cre.${key}`)
  return obj[key] as T
}

/** Reads the `cre` key that script/DeployLocalCre.s.sol wrote to deployments/<chainid>.json. */
export function readLocalCreDeployment(chainId: number): LocalCreDeployment {
  const cre = readDeploymentFile(chainId).cre
  if (typeof cre !== 'object' || cre === null) throw new Error('deployment file: no "cre" object')
  const c = cre as Record<string, unknown>
  return {
    forwarder: field<string>(c, 'forwarder'),
    donId: Number(field<number | string>(c, 'donId')),
    configVersion: Number(field<number | string>(c, 'configVersion')),
    f: Number(field<number | string>(c, 'f')),
    signers: field<string[]>(c, 'signers'),
    workflowOwner: field<string>(c, 'workflowOwner'),
    workflowName: field<string>(c, 'workflowName'),
    workflowNameEncoded: field<string>(c, 'workflowNameEncoded'),
    startBlock: Number(field<number | string>(c, 'startBlock')),
    donKeyring: Array.from({ length: CRE_DON_SIZE }, (_, i) =>
      mnemonicKey(CRE_SIGNER_FIRST_INDEX + i),
    ),
    transmitterKeys: Array.from({ length: CRE_DON_SIZE }, (_, i) =>
      mnemonicKey(CRE_TRANSMITTER_FIRST_INDEX + i),
    ),
  }
}

/**
 * Builds Chainlink's KeystoneForwarder (a forge script compiles only its own solc version), runs
 * script/DeployLocalCre.s.sol against `rpcUrl` (the forwarder with a 4-signer DON, f = 1, signing
 * keys 10-13 of anvil's mnemonic; the workflow owner is anvil account 0 unless `env` says
 * otherwise), funds the local DON's transmitter keys with `anvil_setBalance` (anvil only), and
 * reads back what the script wrote to deployments/<chainid>.json.
 */
export async function deployLocalCre(
  rpcUrl: string,
  chainId: number,
  env: Record<string, string> = {},
): Promise<LocalCreDeployment> {
  ensureDeploymentsDir()
  await forgeBuild([KEYSTONE_TOOLCHAIN])
  await runForgeScript({
    script: 'script/DeployLocalCre.s.sol',
    rpcUrl,
    privateKey: anvilPrivateKey(FUNCTIONS_DEPLOYER_INDEX),
    outDir: LOCAL_FORGE_OUT,
    cacheDir: LOCAL_FORGE_CACHE,
    env,
  })
  const deployment = readLocalCreDeployment(chainId)
  for (const key of deployment.transmitterKeys) {
    await rpcCall(rpcUrl, 'anvil_setBalance', [
      new Wallet(key).address,
      `0x${TRANSMITTER_BALANCE_WEI.toString(16)}`,
    ])
  }
  return deployment
}

import { ANVIL_ACCOUNT_COUNT, anvilPrivateKey } from './anvil-accounts'
import { ensureDeploymentsDir, readDeploymentFile } from './deployment-file'
import { LOCAL_FORGE_CACHE, LOCAL_FORGE_OUT } from './forge-artifacts'
import { runForgeScript } from './forge-script'

/** What script/DeployLocalFunctions.s.sol deployed (the `functions` key of the deployment file). */
export interface LocalFunctionsDeployment {
  router: string
  coordinator: string
  link: string
  allowList: string
  donId: string
  subscriptionId: bigint
  subscriptionOwner: string
  signers: string[]
  transmitters: string[]
  f: number
  startBlock: number
  /** Keys the local DON may hold: anvil's dev keys, which the script's default DON uses. */
  donKeyring: string[]
}

/** The account that deploys and owns the local Functions contracts and the subscription. */
export const FUNCTIONS_DEPLOYER_INDEX = 0

function field<T>(obj: Record<string, unknown>, key: string): T {
  if (!(key in obj)) throw new Error(`deployment file: missing functions.${key}`)
  return obj[key] as T
}

/**
 * Runs script/DeployLocalFunctions.s.sol (real FunctionsRouter v1_0_0, FunctionsCoordinator
 * v1_3_0, LINK, feeds, allow list, 4-node DON on anvil's dev keys, a funded subscription) against
 * `rpcUrl` and reads back what it wrote to deployments/<chainid>.json.
 */
export async function deployLocalFunctions(
  rpcUrl: string,
  chainId: number,
  env: Record<string, string> = {},
): Promise<LocalFunctionsDeployment> {
  ensureDeploymentsDir()
  await runForgeScript({
    script: 'script/DeployLocalFunctions.s.sol',
    rpcUrl,
    privateKey: anvilPrivateKey(FUNCTIONS_DEPLOYER_INDEX),
    outDir: LOCAL_FORGE_OUT,
    cacheDir: LOCAL_FORGE_CACHE,
    env,
  })
  const file = readDeploymentFile(chainId)
  const fn = file.functions
  if (typeof fn !== 'object' || fn === null)
    throw new Error('deployment file: no "functions" object')
  const f = fn as Record<string, unknown>
  return {
    router: field<string>(f, 'router'),
    coordinator: field<string>(f, 'coordinator'),
    link: field<string>(f, 'link'),
    allowList: field<string>(f, 'allowList'),
    donId: field<string>(f, 'donId'),
    subscriptionId: BigInt(field<number | string>(f, 'subscriptionId')),
    subscriptionOwner: field<string>(f, 'subscriptionOwner'),
    signers: field<string[]>(f, 'signers'),
    transmitters: field<string[]>(f, 'transmitters'),
    f: Number(field<number | string>(f, 'f')),
    startBlock: Number(field<number | string>(f, 'startBlock')),
    donKeyring: Array.from({ length: ANVIL_ACCOUNT_COUNT }, (_, i) => anvilPrivateKey(i)),
  }
}

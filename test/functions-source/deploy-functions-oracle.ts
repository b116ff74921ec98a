/**
 * Test fixture, run as a child process (`node --import tsx <this file> <rpcUrl>`): deploys the
 * toolkit's `deployFunctionsOracle` set (LINK, price feeds, the real FunctionsRouter, the toolkit's
 * coordinator test helper with its simulated DON keys, the allow list) with anvil's account 0 and
 * prints `{"router", "link", "donId"}` as one JSON line. A child process because ethers v5 signing
 * runs several times slower inside jest's VM context (about 19 s against 4 s here).
 */
import '../../script/functions/toolkit-backend'

import { deployFunctionsOracle } from '@chainlink/functions-toolkit'

import { networkEnv, signerFor } from '../../script/functions/network'
import { anvilPrivateKey } from '../../script/local/anvil-accounts'

async function main(): Promise<void> {
  const rpcUrl = process.argv[2]
  if (rpcUrl === undefined) throw new Error('usage: deploy-functions-oracle.ts <rpcUrl>')
  const deployer = signerFor(
    networkEnv({
      FUNCTIONS_RPC_URL: rpcUrl,
      FUNCTIONS_PRIVATE_KEY: anvilPrivateKey(0),
      FUNCTIONS_POLLING_INTERVAL_MS: '100',
    }),
  )
  const deployment = await deployFunctionsOracle(deployer)
  process.stdout.write(
    JSON.stringify({
      router: deployment.functionsRouterContract.address,
      link: deployment.linkTokenContract.address,
      donId: deployment.donId,
    }) + '\n',
  )
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`)
  process.exitCode = 1
})

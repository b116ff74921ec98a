/**
 * The demo through Chainlink Functions: the real Router v1.0.0 and Coordinator v1.3.0 with a 4-node
 * DON (script/DeployLocalFunctions.s.sol), the local Functions DON (script/don/) running the
 * generated source, and the adapter line-ups as versions of a DON-hosted secrets slot that the
 * insurer's oracle points at (`setDonHostedSecrets`).
 */
import { Contract, Wallet } from 'ethers'

import { describeDonEvent } from '../don/event-log'
import { LocalDon, type RoundOutcome } from '../don/local-don'
import { HostedSecretsStore } from '../don/secrets'
import { adaptersSecret } from '../local/adapters'
import { deployLocalFunctions, type LocalFunctionsDeployment } from '../local/functions-deployment'
import { oracleEvents, rejectReasonName } from '../local/oracle-events'
import { oracleInterface } from './abis'
import {
  donClaimSteps,
  stepGuard,
  unansweredClaim,
  type ClaimOutcome,
  type DemoDonContext,
  type DemoTransport,
  type LineupVersion,
  type Lineups,
} from './transport'

/** The DON-hosted secrets slot the insurer uses; each adapter line-up is one version of it. */
const SECRETS_SLOT = 0

export function functionsTransport(): DemoTransport {
  let functions: LocalFunctionsDeployment | undefined
  let don: LocalDon | undefined
  let ctx: DemoDonContext | undefined
  let lineups: Lineups | undefined

  const need = stepGuard('functions')

  const outcomeOf = async (outcome: RoundOutcome): Promise<ClaimOutcome> => {
    const c = need(ctx, 'a claim')
    if (outcome.kind !== 'transmitted') {
      return unansweredClaim(`DON: ${describeDonEvent({ type: 'outcome', outcome })}`, outcome.kind)
    }
    const receipt = await c.provider.getTransactionReceipt(outcome.txHash)
    const events = oracleEvents(receipt?.logs ?? [], c.project.insuranceOracle)
    const ok = events.find((e) => e.name === 'InferenceAccepted')
    const rejected = events.find((e) => e.name === 'InferenceRejected')
    // The first node whose source printed its per-adapter verdicts (a node may have failed).
    const judged = outcome.observations.find((o) => /^adapter \d+: /m.test(o.log))
    const err = outcome.processed?.err
    return {
      deliveryTx: outcome.txHash,
      narration: [
        `DON report: ${outcome.observations.length} nodes observed, signed by ${outcome.signers.length}, transmitted by ${outcome.transmitter} to the Coordinator (tx ${outcome.txHash})`,
      ],
      verdicts:
        judged === undefined
          ? undefined
          : { node: judged.node, lines: judged.log.split('\n').map((l) => l.trim()) },
      accepted: ok !== undefined,
      severity: ok?.args.getValue('result') as bigint | undefined,
      agreed: ok === undefined ? undefined : Number(ok.args.getValue('agreed')),
      rejectReason:
        rejected === undefined
          ? undefined
          : rejectReasonName(rejected.args.getValue('reason') as bigint),
      ...(err && err !== '0x'
        ? { rejectDetail: `DON error: "${Buffer.from(err.slice(2), 'hex').toString('utf8')}"` }
        : {}),
    }
  }

  return {
    name: 'functions',
    title:
      'Chainlink Functions (real Router v1.0.0 + Coordinator v1.3.0, 4-node DON) and the project',
    initialSecretsVersion: 1,
    requestNoun: 'Functions request',

    async deploy(chain, log) {
      functions = await deployLocalFunctions(chain.rpcUrl, chain.chainId)
      log(
        `router ${functions.router}, coordinator ${functions.coordinator}, subscription ${functions.subscriptionId}`,
      )
    },

    async startDon(context) {
      ctx = context
      lineups = context.lineups
      const secrets = new HostedSecretsStore(
        Object.entries(context.lineups).map(([version, list]) => ({
          slotId: SECRETS_SLOT,
          version: BigInt(version),
          secrets: { ADAPTERS: adaptersSecret(list) },
        })),
      )
      don = new LocalDon({
        rpcUrl: context.chain.rpcUrl,
        coordinator: need(functions, 'the DON').coordinator,
        keyring: need(functions, 'the DON').donKeyring,
        secrets,
        onEvent: (e) => {
          if (context.verbose || e.type === 'started' || e.type === 'error')
            context.log(`[DON] ${describeDonEvent(e)}`)
        },
      })
      await don.start()
    },

    async useLineup(version: LineupVersion) {
      const c = need(ctx, 'a line-up')
      const oracle = new Contract(
        c.project.insuranceOracle,
        oracleInterface,
        new Wallet(c.ownerKey, c.provider),
      )
      const tx = (await oracle.getFunction('setDonHostedSecrets')(SECRETS_SLOT, version)) as {
        hash: string
        wait(): Promise<unknown>
      }
      await tx.wait()
      const names = need(lineups, 'a line-up')[version].map((a) => a.name)
      return `adapters (DON-hosted secrets slot ${SECRETS_SLOT} v${version}): ${names.join(', ')} (tx ${tx.hash})`
    },

    ...donClaimSteps(() => don, need, outcomeOf),
  }
}

/**
 * The demo through Chainlink CRE: Chainlink's KeystoneForwarder 1.2.0 with a 4-node DON (f = 1,
 * script/DeployLocalCre.s.sol), the local CRE DON (script/cre/) running the workflow's node-mode
 * code on every node, consensus by fields, a report signed by f + 1 node keys and delivered through
 * the forwarder to the insurer's CreInferenceOracle. The adapter line-ups are values of the
 * workflow's ADAPTERS secret in the Vault DON (what `cre secrets update` sets): no transaction.
 */
import { describeCreDonEvent, describeCreOutcome } from '../cre/event-log'
import { ADAPTERS_SECRET, LocalCreDon, type CreRoundOutcome } from '../cre/local-cre-don'
import { localWorkflowConfig } from '../cre/local-stack'
import { adaptersSecret } from '../local/adapters'
import { deployLocalCre, type LocalCreDeployment } from '../local/cre-deployment'
import {
  donClaimSteps,
  stepGuard,
  unansweredClaim,
  type ClaimOutcome,
  type DemoTransport,
  type LineupVersion,
  type Lineups,
} from './transport'

function outcomeOf(outcome: CreRoundOutcome): ClaimOutcome {
  if (outcome.kind !== 'delivered') {
    return unansweredClaim(
      `CRE DON:${describeCreOutcome(outcome)}`,
      outcome.kind,
      outcome.kind === 'reverted' ? outcome.txHash : undefined,
    )
  }
  const judged = outcome.nodes.find((n) => n.log.some((l) => /^adapter \d+: /.test(l)))
  const v = outcome.verdict
  const consensus =
    outcome.consensus === 'agreed'
      ? 'consensus by fields agreed'
      : `no agreement (${outcome.consensusNote.split(':')[0]}): the workflow reports its no-result default`
  // Why the nodes had no result: their distinct errors (the same on every node, normally).
  const errors = [
    ...new Set(outcome.nodes.flatMap((n) => (n.observation.ok ? [] : [n.observation.error]))),
  ]
  return {
    ...(outcome.consensus === 'default' && errors.length > 0
      ? { rejectDetail: `node errors: ${errors.map((e) => `"${e}"`).join(', ')}` }
      : {}),
    deliveryTx: outcome.txHash,
    narration: [
      `CRE report: ${outcome.nodes.length} nodes observed, ${consensus}; signed by ${outcome.signers.length} DON keys, sent by ${outcome.transmitter} through the KeystoneForwarder (tx ${outcome.txHash}, ${outcome.gasUsed} gas)`,
    ],
    verdicts: judged === undefined ? undefined : { node: judged.node, lines: judged.log },
    accepted: v.event === 'InferenceAccepted',
    severity: v.event === 'InferenceAccepted' ? v.result : undefined,
    agreed: v.event === 'InferenceAccepted' ? v.agreed : undefined,
    rejectReason:
      v.event === 'InferenceRejected' || v.event === 'ReportRejected'
        ? v.reason
        : v.event === 'none'
          ? 'no oracle event'
          : undefined,
  }
}

export function creTransport(): DemoTransport {
  let cre: LocalCreDeployment | undefined
  let don: LocalCreDon | undefined
  let lineups: Lineups | undefined

  const need = stepGuard('cre')

  return {
    name: 'cre',
    title: 'Chainlink CRE (real KeystoneForwarder 1.2.0, 4-node DON, f = 1) and the project',
    initialSecretsVersion: 0,
    requestNoun: 'CRE request',

    async deploy(chain, log) {
      cre = await deployLocalCre(chain.rpcUrl, chain.chainId)
      log(
        `KeystoneForwarder ${cre.forwarder}: DON ${cre.donId} v${cre.configVersion}, ${cre.signers.length} signers, f = ${cre.f}; reports need ${cre.f + 1} signatures`,
      )
      log(`the oracles accept the workflow "${cre.workflowName}" of ${cre.workflowOwner} only`)
    },

    async startDon(ctx) {
      const deployment = need(cre, 'the DON')
      lineups = ctx.lineups
      don = new LocalCreDon({
        rpcUrl: ctx.chain.rpcUrl,
        forwarder: deployment.forwarder,
        workflow: { owner: deployment.workflowOwner, name: deployment.workflowName },
        configs: [localWorkflowConfig(ctx.project.insuranceOracle)],
        keyring: deployment.donKeyring,
        transmitterKeys: deployment.transmitterKeys,
        onEvent: (e) => {
          if (ctx.verbose || e.type === 'started' || e.type === 'error')
            ctx.log(`[CRE DON] ${describeCreDonEvent(e)}`)
        },
      })
      await don.start()
    },

    async useLineup(version: LineupVersion) {
      const list = need(lineups, 'a line-up')[version]
      need(don, 'a line-up').setSecret(ADAPTERS_SECRET, adaptersSecret(list))
      return `adapters (the workflow's ${ADAPTERS_SECRET} secret in the Vault DON, line-up ${version}): ${list.map((a) => a.name).join(', ')}`
    },

    ...donClaimSteps(() => don, need, outcomeOf),
  }
}

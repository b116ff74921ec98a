/**
 * `npm run registry` against a real chain: anvil, the registry deployed by
 * script/registry/DeployRegistry.s.sol through `forge script --broadcast` (so the governance hand-over
 * to a TimelockController runs as operators run it), and the CLI run as its own process each time. Covers the whole life of a model version: propose, refuse a folder
 * that does not verify, approve (two-person rule), squatting and its remedy, the two-person
 * revocation and deprecation of the active version, withdrawing a pending retirement, amendments,
 * status, and configuration errors that never echo the key.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { Contract, JsonRpcProvider, Wallet, ZeroHash } from 'ethers'

import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import {
  deploymentFilePath,
  ensureDeploymentsDir,
  removeDeploymentFile,
  throwawayChainId,
} from '../../script/local/deployment-file'
import { LOCAL_FORGE_CACHE, LOCAL_FORGE_OUT } from '../../script/local/forge-artifacts'
import { runForgeScript } from '../../script/local/forge-script'
import { REPO_ROOT } from '../../script/local/repo-root'
import { readModelFolder } from '../../script/registry/model-proposal'
import { ModelRegistryClient } from '../../script/registry/registry-client'
import { runRegistryCli } from './cli-process'

// Each test runs the CLI as a process (a few seconds each on a busy machine).
jest.setTimeout(240_000)

// DEV ONLY: anvil's public keys. 0 deploys, 1 proposes, 2 and 3 approve, 4 stands in for the
// governance multisig (timelock proposer), 5 is a proposer who squats someone else's model hash.
const KEYS = {
  deployer: anvilPrivateKey(0),
  proposer: anvilPrivateKey(1),
  approverA: anvilPrivateKey(2),
  approverB: anvilPrivateKey(3),
  multisig: anvilPrivateKey(4),
  squatter: anvilPrivateKey(5),
}
const addressOf = (key: string): string => new Wallet(key).address
const MODELS = join(REPO_ROOT, 'adapter', 'models')
const RISK = join(MODELS, 'risk-v1')
const DAMAGE = join(MODELS, 'damage-v1')
const TIMELOCK_DELAY = 3600
const COMMITMENT = '0x' + '0badc0de'.repeat(8)

interface Deployment {
  registry: string
  implementation: string
  timelock: string
}

interface Printed {
  action: string
  signer: string | null
  transaction?: {
    hash: string
    gasUsed: string
    events: { name: string; args: Record<string, string> }[]
  }
  next?: string
  status?: {
    activeVersion: string | null
    record: {
      status: string
      proposer: string
      labelCount: number | null
      provenanceHash: string
      weightsCommitment: string
      version: string
    } | null
    pendingRetirement: { proposedBy: string; to: string } | null
    pendingAmendment: { proposedBy: string; labelCount: number; weightsCommitment: string } | null
    manifestMismatches?: { field: string }[]
  }
}

let chain: LocalChain
let provider: JsonRpcProvider
let deployment: Deployment
let scratch: string

function envFor(
  key: string | undefined,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REGISTRY_RPC_URL: chain.rpcUrl,
    REGISTRY_ADDRESS: deployment.registry,
    REGISTRY_POLLING_INTERVAL_MS: '50',
    ...(key === undefined ? {} : { REGISTRY_PRIVATE_KEY: key }),
    ...extra,
  }
}

async function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string; json: Printed }> {
  const run = await runRegistryCli(args, env)
  return { code: run.code, out: run.stdout, err: run.stderr, json: run.json as unknown as Printed }
}

beforeAll(async () => {
  chain = await startAnvil({ chainId: throwawayChainId() })
  provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true })
  const output = await runForgeScript({
    script: 'script/registry/DeployRegistry.s.sol',
    rpcUrl: chain.rpcUrl,
    privateKey: KEYS.deployer,
    env: {
      REGISTRY_PROPOSERS: [addressOf(KEYS.proposer), addressOf(KEYS.squatter)].join(','),
      REGISTRY_APPROVERS: [addressOf(KEYS.approverA), addressOf(KEYS.approverB)].join(','),
      TIMELOCK_MIN_DELAY: String(TIMELOCK_DELAY),
      TIMELOCK_PROPOSERS: addressOf(KEYS.multisig),
    },
    outDir: LOCAL_FORGE_OUT,
    cacheDir: LOCAL_FORGE_CACHE,
    timeoutMs: 600_000,
  })
  const line = /REGISTRY_DEPLOYMENT=(\{.*\})/.exec(output)
  if (line?.[1] === undefined) throw new Error(`no REGISTRY_DEPLOYMENT line in:\n${output}`)
  deployment = JSON.parse(line[1]) as Deployment
  scratch = mkdtempSync(join(tmpdir(), 'registry-cli-'))
}, 660_000)

afterAll(async () => {
  provider?.destroy()
  await chain?.stop()
  if (scratch) rmSync(scratch, { recursive: true, force: true })
})

describe('deployment', () => {
  it('hands admin and upgrades to the timelock; the deployer keeps neither', async () => {
    const client = new ModelRegistryClient(deployment.registry, provider)
    const deployer = addressOf(KEYS.deployer)
    expect(await client.hasRole('DEFAULT_ADMIN_ROLE', deployer)).toBe(false)
    expect(await client.hasRole('UPGRADER_ROLE', deployer)).toBe(false)
    expect(await client.hasRole('DEFAULT_ADMIN_ROLE', deployment.timelock)).toBe(true)
    expect(await client.hasRole('UPGRADER_ROLE', deployment.timelock)).toBe(true)
    expect(await client.hasRole('PROPOSER_ROLE', addressOf(KEYS.proposer))).toBe(true)
    expect(await client.hasRole('APPROVER_ROLE', addressOf(KEYS.approverB))).toBe(true)
    const timelock = new Contract(
      deployment.timelock,
      [
        'function getMinDelay() view returns (uint256)',
        'function hasRole(bytes32, address) view returns (bool)',
        'function PROPOSER_ROLE() view returns (bytes32)',
      ],
      provider,
    )
    expect(await timelock.getFunction('getMinDelay')()).toBe(BigInt(TIMELOCK_DELAY))
    const proposerRole = (await timelock.getFunction('PROPOSER_ROLE')()) as string
    expect(await timelock.getFunction('hasRole')(proposerRole, addressOf(KEYS.multisig))).toBe(true)
    expect(await timelock.getFunction('hasRole')(proposerRole, addressOf(KEYS.deployer))).toBe(
      false,
    )
  })
})

describe('propose and approve', () => {
  it('proposes a verified folder and prints the transaction and the record', async () => {
    const { code, out, json } = await cli(['propose', RISK], envFor(KEYS.proposer))
    expect(code).toBe(0)
    const { manifest } = readModelFolder(RISK)
    expect(json.action).toBe('proposed')
    expect(json.signer).toBe(addressOf(KEYS.proposer))
    expect(json.transaction?.hash).toMatch(/^0x[0-9a-f]{64}$/)
    const event = json.transaction?.events.find((e) => e.name === 'ModelVersionProposed')
    expect(event?.args.modelId).toBe('risk-v1')
    expect(event?.args.labelCount).toBe('0')
    expect(event?.args.weightsUri).toBe(`ipfs://${manifest.file.cid}`)
    expect(json.status?.record?.status).toBe('Proposed')
    expect(json.status?.record?.provenanceHash).toBe(manifest.provenanceHash)
    expect(json.status?.record?.labelCount).toBe(0)
    expect(json.status?.record?.version).toBe('1.0.0')
    expect(json.status?.manifestMismatches).toEqual([])
    expect(out).not.toContain(KEYS.proposer.slice(2))
  })

  it('refuses a folder that does not verify, before sending anything', async () => {
    const dir = join(scratch, 'tampered', 'damage-v1')
    cpSync(DAMAGE, dir, { recursive: true })
    const bytes = readFileSync(join(dir, 'model.onnx'))
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0x01, 100)
    writeFileSync(join(dir, 'model.onnx'), bytes)
    const before = await provider.getTransactionCount(addressOf(KEYS.proposer))
    const { code, json } = await cli(['propose', dir], envFor(KEYS.proposer))
    expect(code).toBe(1)
    expect((json as unknown as { error: string }).error).toBe('ManifestVerificationError')
    expect(await provider.getTransactionCount(addressOf(KEYS.proposer))).toBe(before)
  })

  it('the proposer cannot approve: the registry refuses and the CLI says why', async () => {
    const { code, json } = await cli(['approve', RISK], envFor(KEYS.proposer))
    expect(code).toBe(1)
    const failure = json as unknown as { error: string; revert: string; args: { reason: string } }
    expect(failure.error).toBe('RegistryReverted')
    expect(failure.args.reason).toMatch(/is missing role/)
  })

  it('a second person approves; the version becomes the active one', async () => {
    const { code, json } = await cli(['approve', RISK], envFor(KEYS.approverA))
    expect(code).toBe(0)
    expect(json.action).toBe('approved')
    const { proposal } = readModelFolder(RISK)
    expect(json.status?.activeVersion).toBe(proposal.modelHash)
    expect(json.transaction?.events.map((e) => e.name)).toEqual([
      'ModelVersionApproved',
      'ActiveVersionChanged',
    ])
  })

  it('a second approval of the same version is refused with the registry error and its values', async () => {
    const { code, json } = await cli(['approve', RISK], envFor(KEYS.approverB))
    expect(code).toBe(1)
    const failure = json as unknown as { revert: string; args: Record<string, string> }
    expect(failure.revert).toBe('InvalidTransition')
    expect(failure.args).toMatchObject({ modelId: 'risk-v1', from: 'Approved', to: 'Approved' })
  })
})

describe('squatting', () => {
  it('an approver will not approve a squatted record, rejects it, and the genuine proposal goes through', async () => {
    // The squatter (a proposer) records damage-v1's model hash first, with bogus provenance, through
    // the client (the CLI would refuse: no verified folder says so).
    const { proposal } = readModelFolder(DAMAGE)
    const squatter = new ModelRegistryClient(
      deployment.registry,
      new Wallet(KEYS.squatter, provider),
    )
    await squatter.propose({ ...proposal, provenanceHash: '0x' + 'ee'.repeat(32), labelCount: 2 })

    const genuine = await cli(['propose', DAMAGE], envFor(KEYS.proposer))
    expect(genuine.code).toBe(1)
    expect((genuine.json as unknown as { revert: string }).revert).toBe('ModelVersionExists')

    const refused = await cli(['approve', DAMAGE], envFor(KEYS.approverA))
    expect(refused.code).toBe(1)
    const mismatch = refused.json as unknown as { error: string; mismatches: { field: string }[] }
    expect(mismatch.error).toBe('RecordMismatchError')
    expect(mismatch.mismatches.map((m) => m.field)).toEqual(['provenanceHash', 'labelCount'])
    expect((await squatter.getVersion(proposal.modelId, proposal.modelHash)).status).toBe(
      'Proposed',
    )

    const rejected = await cli(['reject', DAMAGE], envFor(KEYS.approverA))
    expect(rejected.code).toBe(0)
    expect(rejected.json.action).toBe('rejected')
    const event = rejected.json.transaction?.events[0]
    expect(event?.name).toBe('ModelVersionRejected')
    expect(event?.args.proposer).toBe(addressOf(KEYS.squatter))

    expect((await cli(['propose', DAMAGE], envFor(KEYS.proposer))).code).toBe(0)
    const approved = await cli(['approve', DAMAGE], envFor(KEYS.approverB))
    expect(approved.code).toBe(0)
    expect(approved.json.status?.record?.proposer).toBe(addressOf(KEYS.proposer))
    expect(approved.json.status?.record?.labelCount).toBe(4)
  })
})

describe('two-person revocation of the active version', () => {
  it('the first approver proposes, the same approver cannot confirm, a second one revokes', async () => {
    const first = await cli(['revoke', RISK], envFor(KEYS.approverA))
    expect(first.code).toBe(0)
    expect(first.json.action).toBe('revocation-proposed')
    expect(first.json.next).toMatch(/second approver/)
    expect(first.json.status?.record?.status).toBe('Approved')
    expect(first.json.status?.pendingRetirement).toEqual({
      proposedBy: addressOf(KEYS.approverA),
      to: 'Revoked',
    })

    // The same approver again only re-proposes: one person never empties the model id.
    const again = await cli(['revoke', RISK], envFor(KEYS.approverA))
    expect(again.json.action).toBe('revocation-proposed')
    expect(again.json.status?.activeVersion).not.toBeNull()

    const second = await cli(['revoke', RISK], envFor(KEYS.approverB))
    expect(second.code).toBe(0)
    expect(second.json.action).toBe('revoked')
    expect(second.json.status?.activeVersion).toBeNull()
    expect(second.json.status?.record?.status).toBe('Revoked')
    expect(second.json.status?.pendingRetirement).toBeNull()
  })
})

describe('amendments', () => {
  it('a proposer proposes a weights commitment and an approver confirms the same values', async () => {
    const proposed = await cli(
      ['amend', DAMAGE, '--weights-commitment', COMMITMENT],
      envFor(KEYS.proposer),
    )
    expect(proposed.code).toBe(0)
    expect(proposed.json.action).toBe('amendment-proposed')
    expect(proposed.json.status?.pendingAmendment).toEqual({
      proposedBy: addressOf(KEYS.proposer),
      labelCount: 4,
      weightsCommitment: COMMITMENT,
    })
    expect(proposed.json.status?.record?.weightsCommitment).toBe(ZeroHash)

    const confirmed = await cli(
      ['amend', DAMAGE, '--weights-commitment', COMMITMENT],
      envFor(KEYS.approverA),
    )
    expect(confirmed.code).toBe(0)
    expect(confirmed.json.action).toBe('amended')
    expect(confirmed.json.status?.record?.weightsCommitment).toBe(COMMITMENT)
    const amended = confirmed.json.transaction?.events.find((e) => e.name === 'ModelVersionAmended')
    expect(amended?.args).toMatchObject({
      confirmedBy: addressOf(KEYS.approverA),
      proposedBy: addressOf(KEYS.proposer),
      weightsCommitment: COMMITMENT,
    })
  })

  it('status with the folder and its commitment shows the record matches', async () => {
    const { code, json } = await cli(
      ['status', DAMAGE, '--weights-commitment', COMMITMENT],
      envFor(undefined),
    )
    expect(code).toBe(0)
    expect(json.signer).toBeNull()
    expect(json.status?.manifestMismatches).toEqual([])
  })
})

describe('a version with a zero-knowledge circuit', () => {
  it('is approved only by an approver who names its weights commitment', async () => {
    // The same model file under another id: a copy of damage-v1 whose manifest says damage-zk.
    const dir = join(scratch, 'damage-zk')
    cpSync(DAMAGE, dir, { recursive: true })
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { id: string }
    manifest.id = 'damage-zk'
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2))

    const proposed = await cli(
      ['propose', dir, '--weights-commitment', COMMITMENT],
      envFor(KEYS.proposer),
    )
    expect(proposed.code).toBe(0)
    expect(proposed.json.status?.record?.weightsCommitment).toBe(COMMITMENT)

    const unchecked = await cli(['approve', dir], envFor(KEYS.approverA))
    expect(unchecked.code).toBe(1)
    const mismatch = unchecked.json as unknown as { error: string; mismatches: { field: string }[] }
    expect(mismatch.error).toBe('RecordMismatchError')
    expect(mismatch.mismatches.map((m) => m.field)).toEqual(['weightsCommitment'])

    const approved = await cli(
      ['approve', dir, '--weights-commitment', COMMITMENT],
      envFor(KEYS.approverA),
    )
    expect(approved.code).toBe(0)
    expect(approved.json.status?.record?.status).toBe('Approved')
    const client = new ModelRegistryClient(deployment.registry, provider)
    const onChain = (await client.contract.getFunction('approvedWeightsCommitment')(
      readModelFolder(dir).proposal.modelId,
      readModelFolder(dir).proposal.modelHash,
    )) as string
    expect(onChain).toBe(COMMITMENT)
  })
})

describe('withdrawing and deprecating', () => {
  // The damage-zk version the previous suite approved: the active (and only) one of its model id.
  const zkFolder = () => join(scratch, 'damage-zk')

  it('a proposed deprecation is cancelled; then two approvers deprecate the active version', async () => {
    const proposed = await cli(['deprecate', zkFolder()], envFor(KEYS.approverA))
    expect(proposed.code).toBe(0)
    expect(proposed.json.action).toBe('deprecation-proposed')
    expect(proposed.json.status?.pendingRetirement).toEqual({
      proposedBy: addressOf(KEYS.approverA),
      to: 'Deprecated',
    })

    const cancelled = await cli(['cancel', zkFolder(), '--retirement'], envFor(KEYS.approverA))
    expect(cancelled.code).toBe(0)
    expect(cancelled.json.action).toBe('retirement-cancelled')
    expect(cancelled.json.status?.pendingRetirement).toBeNull()
    expect(cancelled.json.status?.record?.status).toBe('Approved')

    // Nothing pending any more: a second approver's run proposes again rather than deprecating.
    const again = await cli(['deprecate', zkFolder()], envFor(KEYS.approverB))
    expect(again.json.action).toBe('deprecation-proposed')
    expect(again.json.status?.activeVersion).not.toBeNull()

    const done = await cli(['deprecate', zkFolder()], envFor(KEYS.approverA))
    expect(done.code).toBe(0)
    expect(done.json.action).toBe('deprecated')
    expect(done.json.status?.record?.status).toBe('Deprecated')
    expect(done.json.status?.activeVersion).toBeNull()
    expect(done.json.status?.pendingRetirement).toBeNull()
  })

  it('cancel must be told what to withdraw (exit 2), and refuses when nothing is pending', async () => {
    const unsaid = await cli(['cancel', zkFolder()], envFor(KEYS.approverA))
    expect(unsaid.code).toBe(2)
    expect(unsaid.err).toMatch(/--retirement or --amendment/)

    const nothing = await cli(['cancel', zkFolder(), '--retirement'], envFor(KEYS.approverA))
    expect(nothing.code).toBe(1)
    expect(nothing.out + nothing.err).toMatch(/RetirementNotProposed/)
  })
})

describe('status and configuration', () => {
  it('reads a model id without a key, from the deployment file when REGISTRY_ADDRESS is unset', async () => {
    ensureDeploymentsDir()
    writeFileSync(
      deploymentFilePath(chain.chainId),
      JSON.stringify({ chainId: chain.chainId, contracts: { registry: deployment.registry } }),
    )
    try {
      const env = envFor(undefined)
      delete env.REGISTRY_ADDRESS
      const { code, json } = await cli(['status', 'damage-v1'], env)
      expect(code).toBe(0)
      const { proposal } = readModelFolder(DAMAGE)
      expect(json.status?.activeVersion).toBe(proposal.modelHash)
      expect(json.status?.record?.status).toBe('Approved')
    } finally {
      removeDeploymentFile(chain.chainId)
    }
  })

  it('reports every configuration problem at once without echoing the key (exit 2)', async () => {
    const badKey = '0x' + 'z'.repeat(64)
    const { code, err } = await cli(['propose', RISK], {
      REGISTRY_PRIVATE_KEY: badKey,
      REGISTRY_ADDRESS: 'not an address',
    })
    expect(code).toBe(2)
    expect(err).toMatch(/REGISTRY_RPC_URL is not set/)
    expect(err).toMatch(/REGISTRY_PRIVATE_KEY: expected 0x \+ 64 hex digits/)
    expect(err).toMatch(/REGISTRY_ADDRESS: expected an address/)
    expect(err).not.toContain('z'.repeat(64))
  })

  it('needs a key to send, not to read', async () => {
    const { code, err } = await cli(['reject', 'risk-v1', '--hash', ZeroHash], envFor(undefined))
    expect(code).toBe(2)
    expect(err).toMatch(/REGISTRY_PRIVATE_KEY is not set/)
  })
})

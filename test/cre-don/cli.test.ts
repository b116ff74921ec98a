/**
 * `npm run cre -- simulate` against real adapter processes: the workflow's node-mode code on four
 * simulated nodes, the DON's consensus by fields, the decoded report; the adapters (with their keys
 * and signers) from the environment only. The log trigger's path runs in local-cre-don.test.ts,
 * where a chain holds a request transaction.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { id } from 'ethers'

import { simulateCommand, type CreSimulateOptions } from '../../script/cre/cli'
import { CreCliConfigError } from '../../script/cre/config'
import { RequestArgsError } from '../../script/functions/request-args'
import { sha256Hex } from '../../protocol/hashes'
import { tabularInputHash } from '../../protocol/input-hash'
import { adaptersSecret, startAdapters, type LocalAdapter } from '../../script/local/adapters'
import { loadManifest, tabularFeatures } from '../../script/local/model-inputs'
import { startFileServer, type FileServer } from '../../script/local/photo-server'
import { BUNDLED_MODEL_DIR } from '../../script/local/repo-root'
import { runTsScript } from '../../script/local/tsx-process'
import { simulateAgreed } from '../support/cre-simulate'

jest.setTimeout(60_000)

const FOLDER_CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
let adapters: LocalAdapter[]
let photos: FileServer
let env: NodeJS.ProcessEnv
const features = tabularFeatures(loadManifest('risk-v1'), 7)

const base: CreSimulateOptions = { threshold: 2, tolerance: 0n, nodes: 4 }

beforeAll(async () => {
  photos = await startFileServer()
  adapters = await startAdapters(
    [1, 2, 3].map((i) => ({
      name: `operator-${i}`,
      signerKey: id(`cre simulate test operator ${i}`),
      env: { FETCH_ALLOWLIST: '127.0.0.1/32', IPFS_GATEWAY: photos.url },
    })),
  )
  env = { ADAPTERS_JSON: adaptersSecret(adapters) }
}, 120_000)

afterAll(async () => {
  await Promise.all((adapters ?? []).map((a) => a.stop()))
  await photos?.stop()
})

describe('npm run cre -- simulate', () => {
  test("tabular: four nodes agree on the three adapters' answer; the decoded result is printed", async () => {
    const report = await simulateAgreed(
      'tabular',
      { ...base, model: 'risk-v1', features: JSON.stringify(features), json: true },
      env,
    )
    expect(report).toMatchObject({
      trigger: 'http',
      modelHash: loadManifest('risk-v1').file.sha256,
      inputHash: tabularInputHash(features),
      responded: 3,
      agreed: 3,
    })
    expect(report.result).toMatch(/^\d+$/)
    const nodes = report.nodes as Array<{ ok: boolean; log: string[] }>
    expect(nodes).toHaveLength(4)
    for (const node of nodes)
      expect(node.log).toEqual(
        [0, 1, 2].map((i) => `adapter ${i}: result ${report.result as string}`),
      )
    expect(report.encodedResult).toMatch(/^0x[0-9a-f]{384}$/)
  })

  test('image: the adapters fetch the photo by ipfs:// through the gateway and agree', async () => {
    const dir = join(BUNDLED_MODEL_DIR, 'damage-v1', 'samples')
    const name = readdirSync(dir)
      .filter((f) => f.endsWith('.png'))
      .sort()[0] as string
    const bytes = readFileSync(join(dir, name))
    photos.put(`ipfs/${FOLDER_CID}/${name}`, bytes, 'image/png')
    const report = await simulateAgreed(
      'image',
      {
        ...base,
        model: 'damage-v1',
        imageUrl: `ipfs://${FOLDER_CID}/${name}`,
        imageSha256: sha256Hex(bytes),
      },
      env,
    )
    expect(report).toMatchObject({
      inputHash: sha256Hex(bytes),
      agreed: 3,
    })
  })

  test('quorum not met on every node: no result, the reason, exit 1', async () => {
    const wrongSigners = adaptersSecret([
      adapters[0] as LocalAdapter,
      { url: (adapters[1] as LocalAdapter).url, signer: (adapters[2] as LocalAdapter).signer },
      { url: (adapters[2] as LocalAdapter).url, signer: (adapters[1] as LocalAdapter).signer },
    ])
    const { exitCode, report } = await simulateCommand(
      'tabular',
      { ...base, model: 'risk-v1', features: JSON.stringify(features) },
      { ADAPTERS_JSON: wrongSigners },
    )
    expect(exitCode).toBe(1)
    expect(report).toMatchObject({ ok: false, consensus: 'failed' })
    expect(report.reason).toMatch(
      /^4 nodes reported errors \(f\+1 = 2\): quorum not met: 1 of 3 adapters agree/,
    )
  })

  test('refuses what it cannot run before asking any adapter', async () => {
    const tabular = { ...base, model: 'risk-v1', features: JSON.stringify(features) }
    await expect(simulateCommand('tabular', tabular, {})).rejects.toThrow(CreCliConfigError)
    await expect(simulateCommand('tabular', { ...tabular, threshold: 1 }, env)).rejects.toThrow(
      /not a strict majority/,
    )
    await expect(simulateCommand('tabular', { ...tabular, features: '{' }, env)).rejects.toThrow(
      RequestArgsError,
    )
    await expect(simulateCommand('video', tabular, env)).rejects.toThrow(/job must be/)
    await expect(simulateCommand('tabular', { ...tabular, nodes: 3 }, env)).rejects.toThrow(
      /nodes must be 4 to 31/,
    )
    await expect(
      simulateCommand('tabular', tabular, { ADAPTERS_JSON: '[{"url": "ftp://x"}]' }),
    ).rejects.toThrow(/ADAPTERS_JSON: secret ADAPTERS\[0\]\.url must be an http\(s\) URL/)
  })

  test('as a process: prints the report as JSON; a usage error exits 2 and never echoes the secret', async () => {
    const run = await runTsScript(
      'script/cre/cli.ts',
      ['simulate', 'tabular', '--model', 'risk-v1', '--features', JSON.stringify(features)],
      { env: { ADAPTERS_JSON: env.ADAPTERS_JSON as string }, timeoutMs: 45_000 },
    )
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, agreed: 3, responded: 3 })

    const secret = JSON.stringify([
      { url: 'http://127.0.0.1:9/', apiKey: 'sk-very-secret-value' },
      { url: 'ftp://no' },
    ])
    const bad = await runTsScript(
      'script/cre/cli.ts',
      ['simulate', 'tabular', '--model', 'risk-v1', '--features', '{}'],
      {
        env: { ADAPTERS_JSON: secret },
        timeoutMs: 45_000,
      },
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(
      /^error: ADAPTERS_JSON: secret ADAPTERS\[1\]\.url must be an http\(s\) URL/,
    )
    expect(bad.stdout + bad.stderr).not.toContain('sk-very-secret-value')
    // There is no option for keys: they cannot be given on the command line.
    const flag = await runTsScript('script/cre/cli.ts', ['simulate', 'tabular', '--api-key', 'x'], {
      timeoutMs: 45_000,
    })
    expect(flag.code).not.toBe(0)
    expect(flag.stderr).toContain("unknown option '--api-key'")
  })
})

import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseManifest } from '../../protocol/manifest'
import { REPO_ROOT } from '../../script/local/repo-root'
import { runTs } from './child-process'
import { base32Multibase, referenceUnixfsCid } from './unixfs-reference'
import { tempDirFor } from '../support/temp-dir'

const COMMITTED = join(REPO_ROOT, 'adapter', 'models')
const TIMEOUT_MS = 60_000

describe('models:verify', () => {
  const dir = tempDirFor('onnx-oracle-verify-')

  it(
    'passes on the committed model folders',
    () => {
      const res = runTs('script/models/tools/verify.ts', [COMMITTED], TIMEOUT_MS)
      expect(res.status).toBe(0)
      expect(res.stdout).toMatch(/^ok .*damage-v1$/m)
      expect(res.stdout).toMatch(/^ok .*risk-v1$/m)
    },
    TIMEOUT_MS,
  )

  it('names a small file CIDv1 raw over sha2-256 of its bytes (independent check)', () => {
    for (const id of ['risk-v1', 'damage-v1']) {
      const bytes = readFileSync(join(COMMITTED, id, 'model.onnx'))
      expect(bytes.length).toBeLessThan(262_144) // one chunk: `ipfs add` keeps the raw leaf
      const m = parseManifest(
        JSON.parse(readFileSync(join(COMMITTED, id, 'manifest.json'), 'utf8')),
      )
      // CIDv1 = varint version 1, codec raw (0x55), multihash sha2-256 (0x12) of 32 bytes (0x20).
      const digest = Buffer.from(m.file.sha256.slice(2), 'hex')
      const cid = base32Multibase(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]))
      expect(m.file.cid).toBe(cid)
    }
  })

  it(
    'computes a multi-chunk CID as ipfs add does (balanced dag-pb root over raw 256 KiB leaves)',
    () => {
      const bytes = Buffer.alloc(600_000) // three chunks: 256 KiB, 256 KiB, the rest
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24
      const file = join(dir(), 'big.bin')
      writeFileSync(file, bytes)
      const res = runTs('script/models/tools/cid.ts', [file], TIMEOUT_MS)
      expect(res.status).toBe(0)
      const expected = referenceUnixfsCid(bytes)
      expect(expected.startsWith('bafybei')).toBe(true) // CIDv1, dag-pb, sha2-256
      expect(res.stdout.trim()).toBe(expected)
    },
    TIMEOUT_MS,
  )

  it(
    'fails, naming the field, on a tampered model, provenance or task',
    () => {
      for (const id of ['risk-v1', 'damage-v1'])
        cpSync(join(COMMITTED, id), join(dir(), id), { recursive: true })
      // risk-v1: one flipped byte in the weights.
      const onnxPath = join(dir(), 'risk-v1', 'model.onnx')
      const bytes = readFileSync(onnxPath)
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
      writeFileSync(onnxPath, bytes)
      // damage-v1: a better held-out accuracy than the build measured.
      const mPath = join(dir(), 'damage-v1', 'manifest.json')
      const m = JSON.parse(readFileSync(mPath, 'utf8')) as {
        provenance: { metrics: { heldOut: { accuracy: number } } }
      }
      m.provenance.metrics.heldOut.accuracy = 0.99
      writeFileSync(mPath, JSON.stringify(m, null, 2))
      // A copy of risk-v1 with an unknown task.
      cpSync(join(COMMITTED, 'risk-v1'), join(dir(), 'task-v1'), { recursive: true })
      const tPath = join(dir(), 'task-v1', 'manifest.json')
      writeFileSync(
        tPath,
        readFileSync(tPath, 'utf8').replace('tabular-classification', 'text-generation'),
      )

      const res = runTs('script/models/tools/verify.ts', [dir()], TIMEOUT_MS)
      expect(res.status).toBe(1)
      const blocks = res.stdout.split(/^(?=FAILED|ok)/m)
      const block = (id: string): string => blocks.find((b) => b.includes(`${id}\n`)) ?? ''
      expect(block('risk-v1')).toMatch(/^FAILED/)
      expect(block('risk-v1')).toContain('manifest.file.sha256: is 0x')
      expect(block('risk-v1')).toContain('manifest.file.cid: is b')
      expect(block('damage-v1')).toMatch(/^FAILED/)
      expect(block('damage-v1')).toContain('manifest.provenanceHash: does not match')
      expect(block('task-v1')).toContain('manifest.task: expected one of')
    },
    TIMEOUT_MS,
  )

  it(
    'seals a draft manifest to exactly the committed one (seal-manifest.ts)',
    () => {
      const draftDir = join(dir(), 'draft', 'risk-v1')
      mkdirSync(draftDir, { recursive: true })
      cpSync(join(COMMITTED, 'risk-v1', 'model.onnx'), join(draftDir, 'model.onnx'))
      const committed = readFileSync(join(COMMITTED, 'risk-v1', 'manifest.json'), 'utf8')
      const draft = JSON.parse(committed) as {
        file: { path: string; sha256?: string; cid?: string }
        provenance: { hyperparametersHash?: string }
        provenanceHash?: string
      }
      delete draft.file.sha256
      delete draft.file.cid
      delete draft.provenance.hyperparametersHash
      delete draft.provenanceHash
      writeFileSync(join(draftDir, 'manifest.json'), JSON.stringify(draft))
      const res = runTs('script/models/tools/seal-manifest.ts', [draftDir], TIMEOUT_MS)
      expect(res.stderr).toBe('')
      expect(res.status).toBe(0)
      expect(readFileSync(join(draftDir, 'manifest.json'), 'utf8')).toBe(committed)
    },
    TIMEOUT_MS,
  )
})

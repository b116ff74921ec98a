/**
 * `npm run zk -- <command>`: the zero-knowledge path's tooling. Model folder defaults to
 * adapter/models/risk-v1.
 *
 *   generate [dir]   ONNX + manifest -> zk/circuits/<id>/format.json and circuit.circom
 *   setup [dir]      development Groth16 setup (keys, verifier, test vector); minutes the first
 *                    time (powers of tau), then cached in cache/zk/
 *   commit [dir]     features (+ salt) -> the input commitment a dApp puts on-chain
 *   prove [dir]      features (+ salt) -> proof, public signals, 256-byte Solidity proof
 *   verify [dir]     checks a proof file against the committed verification key
 *   check [dir...]   committed artifacts match the generator and the keys (--full recompiles)
 *   estimate [dir]   constraints and proving time a model would need (also for unsupported ones)
 *   measure [dir]    proving time, proof size and verifyProof gas (JSON, for the bench)
 *   vectors [dir]    real proofs of zk/circuits/<id>/vector-requests.json for the oracle's forge tests
 *   fulfil [dir]     prove a ZkInferenceOracle request and send `fulfill` (script/zk/fulfil.ts);
 *                    env ZK_RPC_URL, ZK_PRIVATE_KEY (sensitive, never printed; not for --dry-run)
 *   demo             a RiskPricing quote priced through a proof on anvil (script/zk/zk-demo.ts)
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { Command, InvalidArgumentError } from 'commander'
import { isAddress, isHexString, JsonRpcProvider, Wallet } from 'ethers'
import type { Groth16Proof } from 'snarkjs'

import { artifactPaths, readSetupRecord, REPO_ROOT, sha256Text } from './src/artifacts'
import { compileCircuit } from './src/compile'
import { ZkError, ZkInputError } from './src/errors'
import { estimateModel, extrapolateProvingTime } from './src/estimate'
import { generate, staleness } from './src/generate'
import { WEIGHT_MODES, type WeightMode } from './src/format'
import { measure } from './src/measure'
import { parseSalt, randomSalt, releaseCurve, ZkProver } from './src/prover'
import { runSetup } from './src/setup'
import { signalHex } from './src/solidity'
import { writeRequestVectors } from './src/vectors'
import {
  assertOpens,
  fulfilArguments,
  fulfilRequest,
  readZkRequest,
  ZkFulfilmentRefusedError,
} from '../script/zk/fulfil'
import { runZkDemo } from '../script/zk/zk-demo'

const DEFAULT_MODEL_DIR = join(REPO_ROOT, 'adapter', 'models', 'risk-v1')

const int =
  (name: string) =>
  (v: string): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`)
    return n
  }

function readRequest(text: string): { features: unknown; salt?: string } {
  let json: unknown
  const raw = text.trimStart().startsWith('{') ? text : readFileSync(text, 'utf8')
  try {
    json = JSON.parse(raw)
  } catch (err) {
    throw new ZkInputError(`--features: not JSON (${(err as Error).message})`, { cause: err })
  }
  if (json !== null && typeof json === 'object' && 'features' in json) {
    const o = json as { features: unknown; salt?: unknown }
    return { features: o.features, salt: typeof o.salt === 'string' ? o.salt : undefined }
  }
  return { features: json }
}

function print(value: unknown, out?: string): void {
  const text = `${JSON.stringify(value, null, 2)}\n`
  if (out) writeFileSync(out, text)
  else process.stdout.write(text)
}

const dirOf = (dir: string | undefined): string => resolve(dir ?? DEFAULT_MODEL_DIR)

export function buildProgram(): Command {
  const program = new Command('zk')
    .description('Zero-knowledge proofs of tabular ONNX inference (circom + Groth16)')
    .showHelpAfterError()

  program
    .command('generate')
    .argument('[model-dir]', 'model folder (manifest.json + ONNX)')
    .option('--weights <mode>', `weights as ${WEIGHT_MODES.join(' or ')}`, 'constant')
    .option('--input-bits <n>', 'fraction bits of number features', int('--input-bits'))
    .option('--weight-bits <n>', 'fraction bits of weights', int('--weight-bits'))
    .option(
      '--activation-bits <n>',
      'fraction bits of hidden activations',
      int('--activation-bits'),
    )
    .option('--headroom-bits <n>', 'spare accumulator bits', int('--headroom-bits'))
    .description('write the zk format and the circuit of a model')
    .action((dir: string | undefined, o: Record<string, number | string | undefined>) => {
      if (!WEIGHT_MODES.includes(o.weights as WeightMode)) {
        throw new ZkInputError(`--weights must be ${WEIGHT_MODES.join(' or ')}`)
      }
      const fixedPoint = Object.fromEntries(
        (['inputBits', 'weightBits', 'activationBits', 'headroomBits'] as const)
          .filter((k) => o[k] !== undefined)
          .map((k) => [k, o[k] as number]),
      )
      const g = generate(dirOf(dir), { fixedPoint, weights: o.weights as WeightMode })
      process.stdout.write(`wrote ${g.paths.format}\nwrote ${g.paths.circuit}\n`)
    })

  program
    .command('setup')
    .argument('[model-dir]', 'model folder')
    .option('--ptau <file>', 'a prepared powers-of-tau file (default: a cached development one)')
    .description('development Groth16 setup: keys, verifier contract, test vector')
    .action(async (dir: string | undefined, o: { ptau?: string }) => {
      const record = await runSetup({
        modelDir: dirOf(dir),
        ptau: o.ptau,
        log: (l) => process.stderr.write(`${l}\n`),
      })
      print(record)
    })

  program
    .command('commit')
    .argument('[model-dir]', 'model folder')
    .requiredOption('--features <json|file>', 'features object, or {features, salt}')
    .option('--salt <int>', 'salt (decimal or 0x hex); default: a fresh random one')
    .description('the input commitment of a request (what goes on-chain instead of the features)')
    .action((dir: string | undefined, o: { features: string; salt?: string }) => {
      const req = readRequest(o.features)
      const prover = ZkProver.open(dirOf(dir))
      const salt = o.salt ?? req.salt
      const s = salt === undefined ? randomSalt() : parseSalt(salt)
      const c = prover.commit(req.features, s)
      print({
        inputCommitment: `0x${c.toString(16).padStart(64, '0')}`,
        salt: `0x${s.toString(16).padStart(64, '0')}`,
      })
    })

  program
    .command('prove')
    .argument('[model-dir]', 'model folder')
    .requiredOption('--features <json|file>', 'features object, or {features, salt}')
    .option('--salt <int>', "salt (decimal or 0x hex); default: the request file's, else random")
    .option('--out <file>', 'write the proof bundle here instead of stdout')
    .description('prove one inference: result, commitments, Groth16 proof, 256-byte calldata')
    .action(
      async (dir: string | undefined, o: { features: string; salt?: string; out?: string }) => {
        const req = readRequest(o.features)
        const prover = ZkProver.open(dirOf(dir))
        const salt = o.salt ?? req.salt
        const bundle = await prover.prove(
          req.features,
          salt === undefined ? randomSalt() : parseSalt(salt),
        )
        print(bundle, o.out)
      },
    )

  program
    .command('verify')
    .argument('[model-dir]', 'model folder')
    .requiredOption('--proof <file>', 'a proof bundle written by prove')
    .description('verify a proof bundle with the committed verification key')
    .action(async (dir: string | undefined, o: { proof: string }) => {
      const bundle = JSON.parse(readFileSync(o.proof, 'utf8')) as {
        publicSignals: string[]
        proof: Groth16Proof
      }
      const prover = ZkProver.open(dirOf(dir))
      const ok = await prover.verify(bundle.publicSignals, bundle.proof)
      print({ valid: ok })
      if (!ok) process.exitCode = 1
    })

  program
    .command('check')
    .argument('[model-dirs...]', 'model folders')
    .option('--full', 'also recompile the circuit and compare the R1CS and wasm with setup.json')
    .description('the committed zk artifacts match the generator and the keys')
    .action(async (dirs: string[], o: { full?: boolean }) => {
      const list = dirs.length > 0 ? dirs.map((d) => resolve(d)) : [DEFAULT_MODEL_DIR]
      let bad = 0
      for (const dir of list) {
        const problems = await staleness(dir)
        if (o.full && problems.length === 0) {
          const id = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).id as string
          const paths = artifactPaths(dir, id)
          const record = readSetupRecord(paths)
          const compiled = await compileCircuit(readFileSync(paths.circuit, 'utf8'))
          if (sha256Text(compiled.r1cs) !== record.circuit.r1csSha256) {
            problems.push(`${paths.circuit} compiles to another R1CS than the keys were made for`)
          }
          if (sha256Text(compiled.wasm) !== record.wasmSha256) {
            problems.push(`${paths.circuit} compiles to another wasm than ${paths.wasm}`)
          }
        }
        for (const p of problems) process.stderr.write(`stale: ${p}\n`)
        if (problems.length === 0) process.stdout.write(`fresh: ${dir}\n`)
        bad += problems.length
      }
      if (bad > 0) process.exitCode = 1
    })

  program
    .command('estimate')
    .argument('[model-dir]', 'model folder (any ONNX model, supported or not)')
    .option('--weights <mode>', `weights as ${WEIGHT_MODES.join(' or ')}`, 'constant')
    .option('--calibrate', 'time risk-v1 proofs here and extrapolate the proving time')
    .description('constraints and proving time a model would need')
    .action(async (dir: string | undefined, o: { weights: string; calibrate?: boolean }) => {
      if (!WEIGHT_MODES.includes(o.weights as WeightMode)) {
        throw new ZkInputError(`--weights must be ${WEIGHT_MODES.join(' or ')}`)
      }
      const estimate = estimateModel(dirOf(dir), { weights: o.weights as WeightMode })
      const extrapolation = o.calibrate
        ? await extrapolateProvingTime(DEFAULT_MODEL_DIR, estimate.constraints)
        : undefined
      print({ ...estimate, extrapolation })
    })

  program
    .command('measure')
    .argument('[model-dir]', 'model folder')
    .option('--runs <n>', 'proofs to time', int('--runs'), 5)
    .description('proving time, proof size and verifyProof gas (JSON)')
    .action(async (dir: string | undefined, o: { runs: number }) => {
      print(await measure(dirOf(dir), { runs: o.runs }))
    })

  program
    .command('vectors')
    .argument('[model-dir]', 'model folder')
    .description("prove the circuit folder's vector-requests.json: JSON and forge test vectors")
    .action(async (dir: string | undefined) => {
      const vectors = await writeRequestVectors(dirOf(dir), (l) => process.stderr.write(`${l}\n`))
      print(vectors.map((v) => ({ name: v.name, result: v.result })))
    })

  program
    .command('fulfil')
    .argument('[model-dir]', 'model folder')
    .requiredOption('--oracle <address>', 'the ZkInferenceOracle')
    .requiredOption('--request-id <0x..>', 'the request (from its InferenceRequested event)')
    .requiredOption('--features <json|file>', 'features object, or {features, salt}')
    .option('--salt <int>', "the request's salt (decimal or 0x hex); default: the request file's")
    .option('--from-block <n>', 'search the request event from this block', int('--from-block'), 0)
    .option('--dry-run', "print fulfill's arguments instead of sending (no key needed)")
    .description('prove a request of a ZkInferenceOracle and send fulfill')
    .action(
      async (
        dir: string | undefined,
        o: {
          oracle: string
          requestId: string
          features: string
          salt?: string
          fromBlock: number
          dryRun?: boolean
        },
      ) => {
        if (!isAddress(o.oracle)) throw new ZkInputError(`--oracle ${o.oracle} is not an address`)
        if (!isHexString(o.requestId, 32)) {
          throw new ZkInputError(`--request-id ${o.requestId} is not 32 bytes of hex`)
        }
        const rpcUrl = process.env.ZK_RPC_URL
        if (rpcUrl === undefined || rpcUrl === '') throw new ZkInputError('ZK_RPC_URL is not set')
        const req = readRequest(o.features)
        const salt = o.salt ?? req.salt
        if (salt === undefined) {
          throw new ZkInputError("--salt: the request's salt is needed to open its commitment")
        }
        let signer: Wallet | undefined
        if (o.dryRun !== true) {
          const key = process.env.ZK_PRIVATE_KEY
          if (key === undefined || key === '') throw new ZkInputError('ZK_PRIVATE_KEY is not set')
          if (!isHexString(key.startsWith('0x') ? key : `0x${key}`, 32)) {
            throw new ZkInputError('ZK_PRIVATE_KEY is not a 32-byte hex private key')
          }
          signer = new Wallet(key)
        }
        const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true })
        try {
          const prover = ZkProver.open(dirOf(dir))
          const request = await readZkRequest(provider, o.oracle, o.requestId, o.fromBlock)
          const commitment = signalHex(prover.commit(req.features, parseSalt(salt)))
          // Checked before proving: a wrong opening or a settled request fails in milliseconds.
          assertOpens(request, commitment)
          if (!request.pending) {
            throw new ZkFulfilmentRefusedError('RequestNotPending', [request.requestId])
          }
          const bundle = await prover.prove(req.features, parseSalt(salt))
          const summary = {
            requestId: request.requestId,
            modelHash: request.modelHash,
            result: bundle.result,
            inputCommitment: bundle.inputCommitment,
            weightsCommitment: bundle.weightsCommitment,
            provingMs: bundle.provingMs,
          }
          if (signer === undefined) {
            const args = fulfilArguments(request, bundle)
            print({
              ...summary,
              fulfill: {
                requestId: request.requestId,
                request: args.request,
                answer: { ...args.answer, result: args.answer.result.toString() },
              },
            })
            return
          }
          const sent = await fulfilRequest(signer.connect(provider), o.oracle, request, bundle)
          print({ ...summary, tx: sent.hash, blockNumber: sent.blockNumber, gasUsed: sent.gasUsed })
        } finally {
          provider.destroy()
        }
      },
    )

  program
    .command('demo')
    .option('--runs <n>', 'proofs to time (the median is printed)', int('--runs'), 3)
    .description(
      'price a RiskPricing quote through a proof on anvil: proving time, proof size, gas',
    )
    .action(async (o: { runs: number }) => {
      const started = Date.now()
      const report = await runZkDemo({
        provingRuns: o.runs,
        log: (line) =>
          process.stdout.write(
            `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`,
          ),
      })
      if (report.teardownFailures.length > 0) process.exitCode = 1
    })

  return program
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv)
  } catch (err) {
    if (err instanceof ZkError) {
      process.stderr.write(`error: ${err.message}\n`)
      process.exitCode = err.statusCode === 400 ? 2 : 1
    } else {
      throw err
    }
  } finally {
    await releaseCurve()
  }
}

if (require.main === module) void main()

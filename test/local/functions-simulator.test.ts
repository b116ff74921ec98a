/**
 * The one simulate wrapper (script/local/functions-simulator.ts) running small sources through the
 * toolkit's real `simulateScript` (Deno): the toolkit's limits by default, each limit a parameter,
 * the caller's process.env never seen changed, one temp folder per call, outside the repository.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

import * as toolkitConfig from '@chainlink/functions-toolkit/dist/simulationConfig'
import { toUtf8String } from 'ethers'

import {
  SimulationSetupError,
  simulateSource,
  TOOLKIT_LIMITS,
} from '../../script/local/functions-simulator'
import { NODE_BIN_DIR, REPO_ROOT } from '../../script/local/repo-root'

jest.setTimeout(60_000)

/** Returns args[0] and the secret S as a string, logging a line on the way. */
const ECHO = `console.log('hello from the sandbox')
return Functions.encodeString(args[0] + '/' + secrets.S)`

/** Returns args[0] zero bytes. */
const BYTES = `return new Uint8Array(Number(args[0]))`

/** POSTs a body with args[1] bytes of padding to args[0]; returns the answer or throws its error. */
const POST = `const r = await Functions.makeHttpRequest({
  url: args[0], method: 'post', data: { pad: 'x'.repeat(Number(args[1])) }, timeout: 9000,
})
if (r.error) throw Error(r.code + ': ' + (r.response ? await r.response.text() : r.message))
return Functions.encodeString(JSON.stringify(r.data))`

const text = (hex: string | undefined): string => toUtf8String(hex ?? '0x')

let server: Server
let serverUrl: string

beforeAll(async () => {
  // Answers {"bytes": <request body size>} after `?delay=<ms>`.
  server = createServer((req, res) => {
    let bytes = 0
    req.on('data', (chunk: Buffer) => (bytes += chunk.length))
    req.on('end', () => {
      const delay = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('delay') ?? 0)
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ bytes }))
      }, delay)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('simulateSource', () => {
  it('runs a source in the sandbox and returns its bytes and its log', async () => {
    const outcome = await simulateSource({ source: ECHO, args: ['an arg'], secrets: { S: 'sec' } })
    expect(outcome.error).toBeUndefined()
    expect(text(outcome.responseHex)).toBe('an arg/sec')
    expect(outcome.log).toContain('hello from the sandbox')
    expect(outcome.durationMs).toBeGreaterThan(0)
  })

  it('runs a source file given by its path relative to the repository', async () => {
    const outcome = await simulateSource({
      sourcePath: 'functions-source/tabular-inference.js',
      args: [],
    })
    // The real source refuses a request without its args: proof that it was the file that ran.
    expect(outcome.responseHex).toBeUndefined()
    expect(outcome.error).toMatch(/args/)
  })

  it("never lets the caller see its process.env changed, and finds deno without the caller's PATH", async () => {
    const saved = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR }
    const callerTmp = mkdtempSync(join(tmpdir(), 'kit-caller-tmp-'))
    try {
      // A caller whose PATH does not lead to node_modules/.bin (where the npm deno lives).
      process.env.PATH = (saved.PATH ?? '')
        .split(delimiter)
        .filter((p) => !p.includes('node_modules'))
        .join(delimiter)
      process.env.TMPDIR = callerTmp
      const before = { ...process.env }
      let samples = 0
      const changed: string[] = []
      const sampler = setInterval(() => {
        samples += 1
        if (process.env.PATH !== before.PATH) changed.push(`PATH=${process.env.PATH}`)
        if (process.env.TMPDIR !== before.TMPDIR) changed.push(`TMPDIR=${process.env.TMPDIR}`)
      }, 1)
      const outcomes = await Promise.all(
        ['a', 'b'].map((arg) => simulateSource({ source: ECHO, args: [arg], secrets: { S: 's' } })),
      )
      clearInterval(sampler)
      expect(outcomes.map((o) => text(o.responseHex))).toEqual(['a/s', 'b/s'])
      expect(samples).toBeGreaterThan(10)
      expect(changed).toEqual([])
      expect(process.env).toEqual(before)
      expect(process.env.PATH?.split(delimiter)).not.toContain(NODE_BIN_DIR)
      // The sandbox files went to the wrapper's own folders, not to the caller's TMPDIR.
      expect(readdirSync(callerTmp)).toEqual([])
    } finally {
      process.env.PATH = saved.PATH
      if (saved.TMPDIR === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = saved.TMPDIR
      rmSync(callerTmp, { recursive: true, force: true })
    }
  })

  it("defaults every limit to the toolkit's own default", () => {
    // each of the toolkit's DEFAULT_MAX_* constants is one of the limits, and nothing else is
    const defaults = Object.entries(toolkitConfig)
      .filter(([name]) => name.startsWith('DEFAULT_MAX_'))
      .map(([, value]) => value as number)
    const byValue = (a: number, b: number) => a - b
    expect(defaults).toHaveLength(8)
    expect(Object.values(TOOLKIT_LIMITS).sort(byValue)).toEqual(defaults.sort(byValue))
    expect(TOOLKIT_LIMITS.maxOnChainResponseBytes).toBe(
      toolkitConfig.DEFAULT_MAX_ON_CHAIN_RESPONSE_BYTES,
    )
    expect(TOOLKIT_LIMITS.maxQueryRequestBytes).toBe(toolkitConfig.DEFAULT_MAX_HTTP_REQUEST_BYTES)
    expect(TOOLKIT_LIMITS.maxQueryDurationMs).toBe(
      toolkitConfig.DEFAULT_MAX_HTTP_REQUEST_DURATION_MS,
    )
    expect(Object.isFrozen(TOOLKIT_LIMITS)).toBe(true)
  })

  it('enforces the returned-bytes limit: 256 by default, as given otherwise', async () => {
    const [strict, raised] = await Promise.all([
      simulateSource({ source: BYTES, args: ['300'] }),
      simulateSource({ source: BYTES, args: ['300'], limits: { maxOnChainResponseBytes: 512 } }),
    ])
    expect(strict.responseHex).toBeUndefined()
    expect(strict.error).toBe('response >256 bytes')
    expect(raised.error).toBeUndefined()
    expect(raised.responseHex).toBe(`0x${'00'.repeat(300)}`)
  })

  it('enforces the HTTP request body limit: 2048 bytes by default, as given otherwise', async () => {
    const [strict, raised] = await Promise.all([
      simulateSource({ source: POST, args: [serverUrl, '3000'] }),
      simulateSource({
        source: POST,
        args: [serverUrl, '3000'],
        limits: { maxQueryRequestBytes: 4096 },
      }),
    ])
    expect(strict.error).toMatch(/413: .*Request payload size exceeds 2048 byte limit/)
    expect(raised.error).toBeUndefined()
    expect(JSON.parse(text(raised.responseHex))).toEqual({ bytes: 3000 + '{"pad":""}'.length })
  })

  it('enforces the HTTP timeout given (9 s by default)', async () => {
    const slowUrl = `${serverUrl}?delay=800`
    const [strict, lenient] = await Promise.all([
      simulateSource({ source: POST, args: [slowUrl, '1'], limits: { maxQueryDurationMs: 300 } }),
      simulateSource({ source: POST, args: [slowUrl, '1'] }),
    ])
    expect(strict.error).toMatch(/HTTP query exceeded time limit of 300ms/)
    expect(lenient.error).toBeUndefined()
    expect(JSON.parse(text(lenient.responseHex))).toEqual({ bytes: '{"pad":"x"}'.length })
  })

  it('gives concurrent calls their own sandbox files', async () => {
    const args = ['0', '1', '2', '3']
    const outcomes = await Promise.all(
      args.map((arg) => simulateSource({ source: ECHO, args: [arg], secrets: { S: arg } })),
    )
    expect(outcomes.map((o) => text(o.responseHex))).toEqual(args.map((a) => `${a}/${a}`))
  })

  it('uses a temp folder outside the repository and removes it after the call', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kit-sim-root-'))
    try {
      const outcome = await simulateSource({
        source: ECHO,
        args: ['x'],
        secrets: { S: 'y' },
        tmpRoot: root,
      })
      expect(text(outcome.responseHex)).toBe('x/y')
      expect(readdirSync(root)).toEqual([])
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
    await expect(
      simulateSource({ source: ECHO, args: ['x'], tmpRoot: join(REPO_ROOT, 'cache') }),
    ).rejects.toThrow(SimulationSetupError)
  })
})

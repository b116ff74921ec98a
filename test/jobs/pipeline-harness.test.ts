import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { encode as cborEncode } from 'cbor'
import { AbiCoder, id, Interface, zeroPadValue } from 'ethers'

import { renderJob, validateJobToml, type ValidatedJob } from '../../script/jobs/job-spec'
import {
  runDirectRequest,
  specIdsOf,
  whyNotAnswered,
  type ChainLog,
} from '../support/job-pipeline/harness'
import type { EthTxRequest, TaskEnvironment } from '../support/job-pipeline/tasks'

const OPERATOR = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const CONSUMER = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'
const JOB_ID = '7d3f5c1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f'
const REQUEST_ID = id('request 1')
const MODEL_HASH = id('model')
const INPUT_HASH = id('input')
const CALLBACK = '0x9a3b2c1d'
const EXPIRATION = 1_700_000_300n
const PAYMENT = 10n ** 17n
const INPUT = { features: { driver_age: 34, annual_mileage_km: 12000 } }
const EVENT = 'OracleRequest(bytes32,address,bytes32,uint256,address,bytes4,uint256,uint256,bytes)'
const fulfil = new Interface([
  'function fulfillOracleRequest2(bytes32 requestId, uint256 payment, address callbackAddress, bytes4 callbackFunctionId, uint256 expiration, bytes data)',
])

/** "Diet" CBOR as ChainlinkClient writes it: key/value items without a map header. */
function dietCbor(entries: Record<string, string>): string {
  const parts = Object.entries(entries).flatMap(([k, v]) => [cborEncode(k), cborEncode(v)])
  return '0x' + Buffer.concat(parts).toString('hex')
}

function oracleRequestLog(
  overrides: { specId?: string; payment?: bigint; address?: string } = {},
): ChainLog {
  const data = AbiCoder.defaultAbiCoder().encode(
    ['address', 'bytes32', 'uint256', 'address', 'bytes4', 'uint256', 'uint256', 'bytes'],
    [
      CONSUMER,
      REQUEST_ID,
      overrides.payment ?? PAYMENT,
      CONSUMER,
      CALLBACK,
      EXPIRATION,
      2n,
      dietCbor({ input: JSON.stringify(INPUT) }),
    ],
  )
  return {
    address: overrides.address ?? OPERATOR,
    topics: [id(EVENT), overrides.specId ?? specIdsOf(JOB_ID)[0]],
    data,
    blockHash: id('block'),
    blockNumber: 7,
    transactionHash: id('tx'),
  }
}

/** Test double of the adapter: records request bodies, answers with a fixed body and status. */
function fakeAdapter(
  status: number,
  body: unknown,
): Promise<{ server: Server; url: string; seen: unknown[]; auth: (string | undefined)[] }> {
  const seen: unknown[] = []
  const auth: (string | undefined)[] = []
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
    req.on('end', () => {
      seen.push(JSON.parse(text))
      auth.push(req.headers.authorization)
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        seen,
        auth,
      }),
    ),
  )
}

const ADAPTER_SUCCESS = {
  jobRunID: JOB_ID,
  statusCode: 200,
  result: '7250',
  data: { result: '7250', model: 'risk-v1', modelHash: MODEL_HASH, inputHash: INPUT_HASH },
}

/**
 * The harness's environment against one fake adapter (the bridge `onnx-oracle`), recording what it
 * would send in `sent`; `txHash` is what sending returns.
 */
function environment(
  adapterUrl: string,
  sent: EthTxRequest[],
  { chainId = 31337n, txHash = null }: { chainId?: bigint; txHash?: string | null } = {},
): TaskEnvironment {
  return {
    bridgeUrl: (name) => (name === 'onnx-oracle' ? adapterUrl : 'http://127.0.0.1:1'),
    sendTransaction: async (tx) => {
      sent.push(tx)
      return txHash
    },
    defaultBridgeTimeoutMs: 5000,
    chainId,
  }
}

describe('pipeline harness on the generated job', () => {
  let job: ValidatedJob
  beforeAll(() => {
    const rendered = renderJob({
      operator: OPERATOR,
      model: 'risk-v1',
      evmChainId: '31337',
      bridgeName: 'onnx-oracle',
      bridgeUrl: 'http://127.0.0.1:1',
      externalJobId: JOB_ID,
      minPaymentJuels: PAYMENT.toString(),
      minIncomingConfirmations: 0,
      gasLimit: 600_000,
      bridgeTimeout: '5s',
      maxTaskDuration: '10s',
      apiKey: 'test-api-key-0123456789',
    })
    job = validateJobToml(rendered.jobToml)
  })

  it('posts the model and input to the bridge and fulfils with the adapter fields', async () => {
    const adapter = await fakeAdapter(200, ADAPTER_SUCCESS)
    const sent: EthTxRequest[] = []
    try {
      const run = await runDirectRequest(
        job,
        oracleRequestLog(),
        environment(adapter.url, sent, { txHash: '0xhash' }),
      )
      expect(run.values.get('submit_tx')).toBe('0xhash')
    } finally {
      adapter.server.close()
    }
    expect(adapter.seen).toEqual([
      {
        id: JOB_ID,
        data: { model: 'risk-v1', ...INPUT },
        // what the node adds: jobRun.meta, the decoded OracleRequest
        meta: {
          oracleRequest: expect.objectContaining({
            requestId: REQUEST_ID,
            payment: PAYMENT.toString(),
            callbackAddr: CONSUMER,
          }) as unknown,
        },
      },
    ])
    expect(adapter.auth).toEqual(['Bearer test-api-key-0123456789'])
    expect(sent).toHaveLength(1)
    const tx = sent[0] as EthTxRequest
    expect(tx.to).toBe(OPERATOR)
    expect(tx.gasLimit).toBe(600_000n)
    const call = fulfil.parseTransaction({ data: tx.data })
    expect(call?.name).toBe('fulfillOracleRequest2')
    expect(call?.args.toArray().slice(0, 5)).toEqual([
      REQUEST_ID,
      PAYMENT,
      CONSUMER,
      CALLBACK,
      EXPIRATION,
    ])
    const [requestId, result, modelHash, inputHash] = AbiCoder.defaultAbiCoder().decode(
      ['bytes32', 'uint256', 'bytes32', 'bytes32'],
      call?.args[5] as string,
    )
    expect([requestId, result, modelHash, inputHash]).toEqual([
      REQUEST_ID,
      7250n,
      MODEL_HASH,
      INPUT_HASH,
    ])
  })

  it('stops at the bridge, sending nothing, when the adapter answers an error', async () => {
    const adapter = await fakeAdapter(404, {
      jobRunID: JOB_ID,
      status: 'errored',
      statusCode: 404,
      error: { name: 'NotFoundError', message: 'unknown model' },
    })
    const sent: EthTxRequest[] = []
    try {
      await expect(
        runDirectRequest(job, oracleRequestLog(), environment(adapter.url, sent)),
      ).rejects.toThrow(/task fetch: bridge onnx-oracle answered HTTP 404/)
    } finally {
      adapter.server.close()
    }
    expect(sent).toHaveLength(0)
  })

  it('fails at parse_model_hash when the adapter omits a field', async () => {
    const data: Record<string, string> = { ...ADAPTER_SUCCESS.data }
    delete data.modelHash
    const adapter = await fakeAdapter(200, { ...ADAPTER_SUCCESS, data })
    try {
      await expect(
        runDirectRequest(job, oracleRequestLog(), environment(adapter.url, [])),
      ).rejects.toThrow(/task parse_model_hash: could not resolve path \["data","modelHash"\]/)
    } finally {
      adapter.server.close()
    }
  })

  it('refuses to transmit on a chain other than the job names', async () => {
    const adapter = await fakeAdapter(200, ADAPTER_SUCCESS)
    const sent: EthTxRequest[] = []
    try {
      await expect(
        runDirectRequest(job, oracleRequestLog(), environment(adapter.url, sent, { chainId: 1n })),
      ).rejects.toThrow(/task submit_tx: evmChainID 31337 is not the node's chain 1/)
    } finally {
      adapter.server.close()
    }
    expect(sent).toHaveLength(0)
  })

  it('answers only its Operator, its job id (either encoding) and enough payment', () => {
    expect(whyNotAnswered(job, oracleRequestLog())).toBeNull()
    expect(whyNotAnswered(job, oracleRequestLog({ specId: specIdsOf(JOB_ID)[1] }))).toBeNull()
    expect(whyNotAnswered(job, oracleRequestLog({ specId: zeroPadValue('0x01', 32) }))).toBe(
      'another job',
    )
    expect(whyNotAnswered(job, oracleRequestLog({ address: CONSUMER }))).toBe('another contract')
    expect(whyNotAnswered(job, oracleRequestLog({ payment: PAYMENT - 1n }))).toMatch(/below/)
  })
})

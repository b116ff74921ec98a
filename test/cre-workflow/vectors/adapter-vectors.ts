/**
 * The shape of adapter-answers.json: written by record-adapter-answers.ts (node), read by the
 * workflow tests' fixtures (bun) and by inference-simulation.test.ts. Types only, no imports, so
 * both runtimes can load it.
 */
/** One recorded request: the fields of the on-chain request and the body every adapter got. */
export interface RecordedRequest {
  modelId: string
  modelHash: string
  inputHash: string
  input: Record<string, unknown>
  jobRunId: string
  body: string
}

/** One adapter's answer to one request, as it went over HTTP. */
export interface RecordedAnswer {
  operator: number
  status: number
  body: unknown
}

export interface AdapterVectors {
  generatedBy: string
  /** Signer address of each operator key (index = operator). */
  signers: string[]
  apiKeys: string[]
  /** The other model's hash (operator 4). */
  otherModelHash: string
  requests: Record<'risk' | 'riskOtherFeatures' | 'damage', RecordedRequest>
  answers: {
    risk: RecordedAnswer[]
    /**
     * The same request answered by operators 0 to 2 while each signed a batch (the request sent
     * with companion requests, test/support/batched-answer.ts): signature and Merkle proof differ
     * from `risk`, every other byte is the same.
     */
    riskBatched: RecordedAnswer[]
    riskOtherModel: RecordedAnswer
    riskOtherFeatures: RecordedAnswer
    damage: RecordedAnswer[]
    unauthorized: RecordedAnswer
  }
}

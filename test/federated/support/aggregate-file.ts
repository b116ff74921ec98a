/**
 * `aggregate-file.ts <round.json> [--workers N]`: runs the aggregation of a round file and prints
 * one JSON line per run (AggregationOutput). With --workers, N worker threads each run it at the
 * same time and the main thread prints their outputs. Runs under node (with tsx) and under bun.
 */
import { readFileSync } from 'node:fs'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

import { aggregateRound } from '../../../federated/aggregation'
import { encodeRoundReport, roundReport, roundReportHash } from '../../../federated/round-report'
import { fromRoundFile, type AggregationOutput, type RoundFile } from './round-file'

function run(path: string): AggregationOutput {
  const input = fromRoundFile(JSON.parse(readFileSync(path, 'utf8')) as RoundFile)
  const result = aggregateRound(input)
  const report = roundReport(result)
  return {
    report: encodeRoundReport(report),
    reportHash: roundReportHash(report),
    model: Buffer.from(result.modelBytes).toString('hex'),
    aggregateHash: result.aggregateHash,
  }
}

if (!isMainThread) {
  parentPort?.postMessage(run(workerData as string))
} else {
  const path = process.argv[2]
  if (!path) throw new Error('usage: aggregate-file.ts <round.json> [--workers N]')
  const at = process.argv.indexOf('--workers')
  const workers = at > 0 ? Number(process.argv[at + 1]) : 0
  if (workers === 0) {
    process.stdout.write(`${JSON.stringify(run(path))}\n`)
  } else {
    const outputs = Array.from(
      { length: workers },
      () =>
        new Promise<AggregationOutput>((resolve, reject) => {
          // Bun runs TypeScript in workers itself; under node the worker registers tsx first.
          const w = process.versions.bun
            ? new Worker(__filename, { workerData: path })
            : new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)})`, {
                eval: true,
                workerData: path,
              })
          w.once('message', resolve)
          w.once('error', reject)
        }),
    )
    Promise.all(outputs)
      .then((all) => {
        for (const o of all) process.stdout.write(`${JSON.stringify(o)}\n`)
      })
      .catch((err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
        process.exitCode = 1
      })
  }
}

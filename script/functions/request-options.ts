/**
 * The request options `npm run functions -- simulate` and `npm run cre -- simulate` share: the
 * model, the acceptance policy and the job's input (features, or an image's URL and hash), parsed
 * by commander and turned into the request's args (./request-args.ts).
 */
import { readFileSync } from 'node:fs'

import { InvalidArgumentError, Option, type Command } from 'commander'

import { sha256Hex } from '../../protocol/hashes'
import { RequestArgsError, imageArgs, tabularArgs, type CommonOptions } from './request-args'

export interface RequestOptions {
  model: string
  modelHash?: string
  threshold: number
  tolerance: bigint
  features?: string
  imageUrl?: string
  imageFile?: string
  imageSha256?: string
}

export function parseThreshold(value: string): number {
  if (!/^[1-5]$/.test(value)) throw new InvalidArgumentError('expected 1 to 5')
  return Number(value)
}

export function parseTolerance(value: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('expected an integer >= 0')
  return BigInt(value)
}

/** Adds the options after `--model`: the model hash, the policy, the tabular and image inputs. */
export function addRequestOptions(command: Command): Command {
  return command
    .option('--model-hash <0x..>', 'expected model hash (default: the bundled manifest)')
    .option('--threshold <n>', 'minimum agreeing adapters', parseThreshold, 2)
    .addOption(
      new Option('--tolerance <n>', 'absolute tolerance in result units')
        .argParser(parseTolerance)
        .default(0n, '0'),
    )
    .option('--features <json>', 'tabular: the features object')
    .option('--image-url <url>', 'image: URL the adapters fetch')
    .option('--image-file <path>', 'image: local copy of the image, to hash')
    .option('--image-sha256 <0x..>', 'image: sha256 of the image bytes')
}

/** The request's args (as a consumer contract sends them) for a tabular or image job. */
export function requestArgs(job: 'tabular' | 'image', options: RequestOptions): string[] {
  const common: CommonOptions = {
    model: options.model,
    threshold: options.threshold,
    tolerance: options.tolerance,
    ...(options.modelHash === undefined ? {} : { modelHash: options.modelHash }),
  }
  if (job === 'tabular') {
    if (options.features === undefined) throw new RequestArgsError('--features is required')
    let features: unknown
    try {
      features = JSON.parse(options.features)
    } catch {
      throw new RequestArgsError('--features is not valid JSON')
    }
    return tabularArgs({ ...common, features })
  }
  if (options.imageUrl === undefined) throw new RequestArgsError('--image-url is required')
  const imageSha256 =
    options.imageSha256 ??
    (options.imageFile === undefined ? undefined : sha256Hex(readFileSync(options.imageFile)))
  if (imageSha256 === undefined) {
    throw new RequestArgsError('--image-file or --image-sha256 is required')
  }
  return imageArgs({ ...common, imageUrl: options.imageUrl, imageSha256 })
}

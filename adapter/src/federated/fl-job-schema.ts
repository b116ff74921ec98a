/**
 * The `fl-aggregate` job's request, validated at the edge (docs/federated.md, "Aggregation job"):
 *
 * ```
 * { id?, data: { job: "fl-aggregate", taskId, round, spec: { layout, rule, standardisation },
 *   base: { uri, hash }, validation: { uri, hash },
 *   updates: [{ participant, hash, uri }], notRevealed: [participant] } }
 * ```
 *
 * `base.hash` is the task's current model hash on-chain (keccak256 of the encoded model),
 * `validation.hash` its `validationHash`, `updates` the round's `UpdateRevealed` events and
 * `notRevealed` the committers without a reveal. Hex is accepted in any case and lower-cased.
 */
import { z } from 'zod'

const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
/** Most updates one job aggregates (a task's participant limit in contracts/federated). */
export const MAX_UPDATES = 64
const MAX_URI = 512

const hex32 = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(BYTES32, { error: `${what} must be 0x + 64 hex digits` })
    .transform((s) => s.toLowerCase())
const address = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(ADDRESS, { error: `${what} must be 0x + 40 hex digits` })
    .transform((s) => s.toLowerCase())
const uri = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { error: `${what} must not be empty` })
    .max(MAX_URI, { error: `${what} is longer than ${MAX_URI} characters` })
const int = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be an integer` })
    .min(min, { error: `${what} must be at least ${min}` })
    .max(max, { error: `${what} must be at most ${max}` })
const ratio = (what: string) =>
  z.object(
    {
      numerator: int(`${what}.numerator`, 0, 1_000_000),
      denominator: int(`${what}.denominator`, 1, 1_000_000),
    },
    { error: `${what} must be { numerator, denominator }` },
  )
const finite = (what: string) =>
  z.number({ error: `${what} must be numbers` }).refine(Number.isFinite, {
    error: `${what} must be finite numbers`,
  })

const Q16_MAX = 2 ** 31 - 1

export const FlJobSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  data: z.object(
    {
      job: z.literal('fl-aggregate'),
      taskId: hex32('"data.taskId"'),
      round: int('"data.round"', 1, 0xffffffff),
      spec: z.object(
        {
          layout: z.object({
            sizes: z
              .array(int('"data.spec.layout.sizes"', 1, 4096), {
                error: '"data.spec.layout.sizes" must be an array of layer widths',
              })
              .min(2)
              .max(8),
          }),
          rule: z.object({
            maxNormQ16: int('"data.spec.rule.maxNormQ16"', 0, Q16_MAX),
            minNormQ16: int('"data.spec.rule.minNormQ16"', 0, Q16_MAX),
            distanceOutlier: ratio('"data.spec.rule.distanceOutlier"'),
            harmK: ratio('"data.spec.rule.harmK"'),
            harmSpreadFloorQ16: int('"data.spec.rule.harmSpreadFloorQ16"', 0, Q16_MAX),
            harmMinQ16: int('"data.spec.rule.harmMinQ16"', 0, Q16_MAX),
            distanceSlash: ratio('"data.spec.rule.distanceSlash"'),
            serverLearningRate: ratio('"data.spec.rule.serverLearningRate"'),
          }),
          standardisation: z.object({
            mean: z.array(finite('"data.spec.standardisation.mean"')).max(4096),
            std: z
              .array(finite('"data.spec.standardisation.std"'))
              .max(4096)
              .refine((a) => a.every((v) => v > 0), {
                error: '"data.spec.standardisation.std" must be positive',
              }),
          }),
        },
        { error: '"data.spec" must be an object' },
      ),
      base: z.object({ uri: uri('"data.base.uri"'), hash: hex32('"data.base.hash"') }),
      validation: z.object({
        uri: uri('"data.validation.uri"'),
        hash: hex32('"data.validation.hash"'),
      }),
      updates: z
        .array(
          z.object({
            participant: address('"data.updates[].participant"'),
            hash: hex32('"data.updates[].hash"'),
            uri: uri('"data.updates[].uri"'),
          }),
          { error: '"data.updates" must be an array' },
        )
        .max(MAX_UPDATES, { error: `"data.updates" holds more than ${MAX_UPDATES} updates` }),
      notRevealed: z
        .array(address('"data.notRevealed[]"'))
        .max(MAX_UPDATES, { error: `"data.notRevealed" holds more than ${MAX_UPDATES} entries` })
        .default([]),
    },
    { error: '"data" must be an object' },
  ),
})

export type FlJobRequest = z.infer<typeof FlJobSchema>

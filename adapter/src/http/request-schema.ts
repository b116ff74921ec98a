/**
 * The external-adapter request envelope, validated at the edge: `{ id?, data: { model, ... } }`.
 * The model-specific part (`features` or `image`) is validated against the model's manifest.
 */
import { z } from 'zod'

import { InputError } from '../errors'

export const RequestSchema = z.object({
  id: z.union([z.string(), z.number()], { error: '"id" must be a string or a number' }).optional(),
  data: z.object(
    {
      model: z
        .string({ error: '"data.model" must be a string naming a model' })
        .min(1, { error: '"data.model" must not be empty' }),
      features: z.unknown().optional(),
      image: z.unknown().optional(),
    },
    { error: '"data" must be an object' },
  ),
})

export type AdapterRequest = z.infer<typeof RequestSchema>

const SHA256 = /^0x[0-9a-fA-F]{64}$/

export const ImageSpecSchema = z
  .strictObject(
    {
      url: z.string({ error: '"data.image.url" must be a string' }).max(4096).optional(),
      // Not matched against a base64 regular expression: on a large image that cost a quarter of
      // the request's event-loop time. Stray characters cannot pass unnoticed: the decoded bytes
      // must hash to `sha256`.
      base64: z.string({ error: '"data.image.base64" must be a string' }).optional(),
      sha256: z
        .string({ error: '"data.image.sha256" is required' })
        .regex(SHA256, { error: '"data.image.sha256" must be 0x followed by 64 hex digits' }),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `unknown field "data.image.${iss.keys[0]}"`
          : '"data.image" must be an object with "url" or "base64", and "sha256"',
    },
  )
  .refine((v) => (v.url === undefined) !== (v.base64 === undefined), {
    error: '"data.image" must have exactly one of "url" and "base64"',
  })

export type ImageSpec = z.infer<typeof ImageSpecSchema>

/** Parses with `schema`, throwing an InputError carrying the first issue's message. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown): T {
  const res = schema.safeParse(value)
  if (res.success) return res.data
  const issue = res.error.issues[0]
  let message = issue?.message ?? 'invalid request'
  if (issue !== undefined && issue.code === 'invalid_type' && issue.input === undefined) {
    message = `"${issue.path.join('.')}" is required`
  }
  throw new InputError(message, { cause: res.error })
}

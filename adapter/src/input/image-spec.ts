/**
 * `data.image` of an image-model request: exactly one of `url` (http, https or ipfs://) and
 * `base64`, plus the `sha256` the bytes must hash to.
 */
import { z } from 'zod'

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

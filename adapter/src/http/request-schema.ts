/**
 * The external-adapter request envelope, validated at the edge: `{ id?, data: { model, ... } }`.
 * The route hands the parsed, typed `InferenceRequest` inward; the model-specific part (`features`
 * or `image`) is validated by the model's input provider against its manifest.
 */
import { z } from 'zod'

import type { InferenceRequest } from '../inference/request'
import { parseOrThrow } from '../validation'

export const RequestSchema = z.object({
  id: z.union([z.string(), z.number()], { error: '"id" must be a string or a number' }).optional(),
  data: z.object(
    {
      model: z
        .string({ error: '"data.model" must be a string naming a model' })
        .min(1, { error: '"data.model" must not be empty' }),
      features: z.unknown().optional(),
      image: z.unknown().optional(),
      inputRef: z.unknown().optional(),
    },
    { error: '"data" must be an object' },
  ),
})

/** Validates a parsed request body; `jobRunID` is the id already taken from it. */
export function parseInferenceRequest(body: unknown, jobRunID: string): InferenceRequest {
  const { data } = parseOrThrow(RequestSchema, body)
  return {
    jobRunID,
    model: data.model,
    features: data.features,
    image: data.image,
    inputRef: data.inputRef,
  }
}

/**
 * Validation with zod schemas that fails the way the adapter reports bad input: an InputError (400)
 * carrying the first issue's message, the zod error kept as its cause.
 */
import type { z } from 'zod'

import { InputError } from './errors'

/** Parses `value` with `schema`, throwing an InputError carrying the first issue's message. */
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

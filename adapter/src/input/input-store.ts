/**
 * The input store of by-reference requests (`data.inputRef`): personal inputs (e.g. RiskPricing's
 * features) that must never appear on-chain are kept off-chain, and the request carries only their
 * hash and an opaque reference. The adapter fetches `<INPUT_STORE_URL>/<ref>` with its own key
 * (`Authorization: Bearer <INPUT_STORE_API_KEY>`), and the tabular provider validates and hashes
 * what it gets exactly as inline features: the answer names the hash of what was fetched, so the
 * DON (and the oracle contract) drop it unless it is the hash the request named.
 *
 * The store's location and key are the operator's configuration: no request can point the adapter
 * elsewhere (no SSRF through this path), and nothing about the store is on-chain or in the DON
 * request. The reference is checked like the contract checks it (RiskPricing.requestQuoteByHash:
 * `[A-Za-z0-9._:/-]`, at most 128 bytes) and may not contain empty, `.` or `..` segments, so it
 * names a document under the store's base path and nothing else. Error messages never carry what
 * the store said (its status or body): that goes into the error's cause, which is logged.
 */
import {
  AdapterError,
  InputError,
  NotFoundError,
  PayloadTooLargeError,
  TimeoutError,
  UpstreamError,
} from '../errors'

/** The longest reference accepted (RiskPricing.MAX_INPUT_REF_LENGTH). */
export const MAX_INPUT_REF_LENGTH = 128
const INPUT_REF = /^[A-Za-z0-9._:/-]+$/

export interface InputStoreSettings {
  /** Base URL without a trailing slash. */
  url: string
  apiKey?: string
  timeoutMs: number
  /** Largest stored document accepted. */
  maxBytes: number
}

/** Checks a reference and returns it; throws InputError naming what is wrong. */
export function checkInputRef(ref: unknown): string {
  if (typeof ref !== 'string' || ref.length === 0 || ref.length > MAX_INPUT_REF_LENGTH) {
    throw new InputError(
      `"data.inputRef" must be a string of 1 to ${MAX_INPUT_REF_LENGTH} characters`,
    )
  }
  if (!INPUT_REF.test(ref)) {
    throw new InputError('"data.inputRef" may contain only A-Z, a-z, 0-9 and . _ : / -')
  }
  if (ref.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new InputError('"data.inputRef" may not contain empty, "." or ".." path segments')
  }
  return ref
}

/** Fetches stored inputs by reference. */
export class InputStore {
  constructor(private readonly settings: InputStoreSettings) {}

  /** The JSON document stored under `ref` (the features object, for tabular models). */
  async fetchJson(ref: string): Promise<unknown> {
    const url = `${this.settings.url}/${checkInputRef(ref)}`
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.settings.apiKey !== undefined) headers.authorization = `Bearer ${this.settings.apiKey}`
    let response: Response
    try {
      response = await fetch(url, {
        headers,
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      })
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'TimeoutError') {
        throw new TimeoutError('the input store did not answer in time', { cause })
      }
      throw new UpstreamError('the input store could not be reached', { cause })
    }
    if (response.status === 404) {
      await response.body?.cancel()
      throw new NotFoundError('no stored input under "data.inputRef"')
    }
    if (response.status !== 200) {
      await response.body?.cancel()
      throw new UpstreamError('the input store refused the request', {
        cause: new Error(`input store status ${response.status}`),
      })
    }
    const text = await this.readCapped(response)
    try {
      return JSON.parse(text) as unknown
    } catch (cause) {
      throw new UpstreamError('the stored input is not JSON', { cause })
    }
  }

  private async readCapped(response: Response): Promise<string> {
    const reader = response.body?.getReader()
    if (reader === undefined) return ''
    const chunks: Uint8Array[] = []
    let total = 0
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        total += value.byteLength
        if (total > this.settings.maxBytes) {
          await reader.cancel()
          throw new PayloadTooLargeError(
            `the stored input is larger than ${this.settings.maxBytes} bytes`,
          )
        }
        chunks.push(value)
      }
    } catch (cause) {
      if (cause instanceof AdapterError) throw cause
      if (cause instanceof Error && cause.name === 'TimeoutError') {
        throw new TimeoutError('the input store did not answer in time', { cause })
      }
      throw new UpstreamError('reading the stored input failed', { cause })
    }
    return Buffer.concat(chunks).toString('utf8')
  }
}

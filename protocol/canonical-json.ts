/**
 * RFC 8785 (JSON Canonicalization Scheme, JCS): the one canonical JSON text of a JSON value (keys
 * sorted by UTF-16 code units, no whitespace, ECMAScript number formatting). Input hashes of tabular
 * models and the manifest's provenance hashes are hashes of this text.
 */
import canonicalize from 'canonicalize'

/** Thrown for a value that has no JSON form (undefined, a function, a symbol). */
export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CanonicalJsonError'
  }
}

/** The RFC 8785 canonical JSON text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new CanonicalJsonError('value has no canonical JSON form')
  return text
}

/**
 * The input hash of docs/protocol.md ("Identifiers and hashes"), `0x` + 64 lowercase hex:
 * - tabular models: sha256 of the UTF-8 bytes of the RFC 8785 (JCS) canonical JSON of `features`;
 * - image models: sha256 of the image bytes exactly as fetched or supplied.
 *
 * `featureCanonicaliser` is the adapter's fast path for the tabular case: once the features are
 * validated (exactly the manifest's names, every value a finite number), JCS is the names sorted by
 * UTF-16 code units, each followed by its ECMAScript number text, so the text can be assembled from
 * prefixes computed once per model. A test keeps it equal to `canonicalJson`.
 */
import { canonicalJson } from './canonical-json'
import { sha256Hex } from './hashes'

/** Input hash of a tabular request: sha256 of the JCS canonical JSON of `features`. */
export function tabularInputHash(features: unknown): string {
  return sha256Hex(canonicalJson(features))
}

/** Input hash of an image request: sha256 of the image bytes. */
export function imageInputHash(bytes: Uint8Array): string {
  return sha256Hex(bytes)
}

/**
 * Compiles the JCS text builder of a flat object whose keys are exactly `names` and whose values
 * are finite numbers. The object must have been validated: the builder reads `names` only.
 */
export function featureCanonicaliser(
  names: readonly string[],
): (values: Readonly<Record<string, number>>) => string {
  // JCS orders keys by UTF-16 code units: the default sort of JavaScript strings.
  const sorted = [...names].sort()
  const prefixes = sorted.map((n, i) => `${i === 0 ? '{' : ','}${JSON.stringify(n)}:`)
  const width = sorted.length
  return (values) => {
    let text = ''
    for (let i = 0; i < width; i++) {
      // String(number) is ECMAScript Number::toString, as JCS requires (and -0 prints as 0).
      text += (prefixes[i] as string) + String(values[sorted[i] as string])
    }
    return width === 0 ? '{}' : `${text}}`
  }
}

/**
 * One ECDSA secp256k1 signature over a 32-byte digest with libsecp256k1 compiled to WebAssembly
 * (tiny-secp256k1): RFC 6979 deterministic nonces, low-s, about 4x cheaper here than the
 * pure-JavaScript curves of ethers/@noble, and byte-identical to ethers' `SigningKey.sign`.
 */
import { signRecoverable } from 'tiny-secp256k1'

/** `0x` + r ‖ s ‖ v (v = 27/28) of a 32-byte digest (bytes, or `0x` + 64 hex). */
export function signDigest(digest: Uint8Array | string, key: Uint8Array): string {
  const bytes = typeof digest === 'string' ? Buffer.from(digest.slice(2), 'hex') : digest
  const { signature, recoveryId } = signRecoverable(bytes, key)
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recoveryId).toString(16)}`
}

/**
 * One ECDSA secp256k1 signature over a 32-byte digest with libsecp256k1 compiled to WebAssembly
 * (tiny-secp256k1): RFC 6979 deterministic nonces, low-s, about 4x cheaper here than the
 * pure-JavaScript curves of ethers/@noble, and byte-identical to ethers' `SigningKey.sign`.
 */
import { signRecoverable } from 'tiny-secp256k1'

/** `0x` + r ‖ s ‖ v (v = 27/28) of a 32-byte digest given as `0x` + 64 hex. */
export function signDigest(digest: string, key: Uint8Array): string {
  const { signature, recoveryId } = signRecoverable(Buffer.from(digest.slice(2), 'hex'), key)
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recoveryId).toString(16)}`
}

/**
 * The core's hash and signature primitives for the workflow and the local CRE DON: noble, pinned
 * to the versions the Functions sources import (@noble/curves 1.2.0, @noble/hashes 1.3.2), pure
 * JavaScript that runs in QuickJS. No SDK import.
 */
import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 } from '@noble/hashes/sha256'

import { cryptoFromNoble, type CoreCrypto } from '../../don-core/inference-core'

export const workflowCrypto: CoreCrypto = cryptoFromNoble({ secp256k1, keccak_256, sha256 })

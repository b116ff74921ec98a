/**
 * The hash of an `fl-aggregate` job's input (docs/federated.md): everything that decides the
 * answer, as the chain states it (task, round, spec hash, base model and validation set hashes, the
 * revealed (participant, content hash) pairs and the committers that did not reveal), canonical
 * JSON, keccak256. The adapter signs it as the answer's `inputHash`; a DON node computes it from
 * the chain and refuses an answer that names another.
 */
import { keccak256, toUtf8Bytes } from 'ethers'

import { canonicalJson } from '../protocol/canonical-json'

export interface FlJobInput {
  taskId: string
  round: number
  base: { hash: string }
  validation: { hash: string }
  updates: readonly { participant: string; hash: string }[]
  notRevealed: readonly string[]
}

const byParticipantThenHash = (
  a: { participant: string; hash: string },
  b: { participant: string; hash: string },
): number =>
  a.participant === b.participant
    ? a.hash < b.hash
      ? -1
      : a.hash > b.hash
        ? 1
        : 0
    : a.participant < b.participant
      ? -1
      : 1

/** keccak256 of the canonical JSON of the job's input (hex lower-cased). */
export function flJobInputHash(input: FlJobInput, specHash: string): string {
  const updates = input.updates
    .map((u) => ({ participant: u.participant.toLowerCase(), hash: u.hash.toLowerCase() }))
    .sort(byParticipantThenHash)
  return keccak256(
    toUtf8Bytes(
      canonicalJson({
        job: 'fl-aggregate',
        taskId: input.taskId.toLowerCase(),
        round: input.round,
        specHash: specHash.toLowerCase(),
        base: input.base.hash.toLowerCase(),
        validation: input.validation.hash.toLowerCase(),
        updates,
        notRevealed: input.notRevealed.map((p) => p.toLowerCase()).sort(),
      }),
    ),
  )
}

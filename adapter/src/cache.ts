/**
 * The result cache: quantised model outputs keyed by (manifest hash, input hash), bounded in entries
 * and age. A hit skips preprocessing and inference; the answer (result, signature) is rebuilt for
 * each request, since the job run id differs.
 */
import { LRUCache } from 'lru-cache'

export class ResultCache {
  private readonly lru: LRUCache<string, number[]> | undefined

  constructor(maxEntries: number, ttlSeconds: number) {
    this.lru =
      maxEntries === 0 ? undefined : new LRUCache({ max: maxEntries, ttl: ttlSeconds * 1000 })
  }

  get enabled(): boolean {
    return this.lru !== undefined
  }

  get size(): number {
    return this.lru?.size ?? 0
  }

  /** The manifest hash covers the model file and the rules that quantise its outputs. */
  static key(manifestHash: string, inputHash: string): string {
    return manifestHash + inputHash
  }

  get(key: string): number[] | undefined {
    return this.lru?.get(key)
  }

  set(key: string, outputs: number[]): void {
    this.lru?.set(key, outputs)
  }
}

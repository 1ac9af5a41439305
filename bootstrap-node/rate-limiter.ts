import { SilmarilError } from '../src/errors.js'

export interface RateLimiterInit {
  /** Tokens added per second for each address; 0 turns the limiter off. */
  ratePerSecond: number
  /** Tokens an idle address can save up. @default 2 × ratePerSecond, at least 2 */
  burst?: number
  /** Addresses tracked at once; past this the least recently seen are forgotten. @default 65536 */
  maxAddresses?: number
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number
}

interface Bucket {
  tokens: number
  updated: number
}

/** Token buckets per IP address, bounded in memory: one flooding address cannot starve the others. */
export class RateLimiter {
  readonly #rate: number
  readonly #burst: number
  readonly #max: number
  readonly #now: () => number
  // Map order is recency order: an address is moved to the end when it is seen.
  readonly #buckets = new Map<string, Bucket>()

  constructor (init: RateLimiterInit) {
    this.#rate = nonNegative('ratePerSecond', init.ratePerSecond)
    this.#burst = nonNegative('burst', init.burst ?? Math.max(2, init.ratePerSecond * 2))
    this.#max = nonNegative('maxAddresses', init.maxAddresses ?? 65536)
    this.#now = init.now ?? Date.now
  }

  get enabled (): boolean {
    return this.#rate > 0
  }

  /** Addresses currently tracked. */
  get size (): number {
    return this.#buckets.size
  }

  /** Takes `cost` tokens from `address`; false when it has run out (the caller drops the query). */
  take (address: string, cost = 1): boolean {
    if (this.#rate === 0) return true
    const now = this.#now()
    let bucket = this.#buckets.get(address)
    if (bucket === undefined) {
      bucket = { tokens: this.#burst, updated: now }
      if (this.#buckets.size >= this.#max) this.#forgetOldest()
    } else {
      this.#buckets.delete(address)
      bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.updated) * this.#rate / 1000)
      bucket.updated = now
    }
    this.#buckets.set(address, bucket)
    if (bucket.tokens < cost) return false
    bucket.tokens -= cost
    return true
  }

  #forgetOldest (): void {
    const oldest = this.#buckets.keys().next().value
    if (oldest !== undefined) this.#buckets.delete(oldest)
  }
}

function nonNegative (name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw SilmarilError.badRequest(`rate limit ${name} must be a non-negative number, got ${String(value)}`)
  return value
}

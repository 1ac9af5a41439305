import { createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { SilmarilError } from '../errors.js'

export const SEED_BYTES = 32
export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
/** Public keys whose parsed KeyObject is kept: parsing one costs about as much as a verify. */
export const PUBLIC_KEY_CACHE_SIZE = 1024

export interface KeyPair {
  publicKey: Uint8Array
  secretSeed: Uint8Array
}

/** A bounded map from public key to KeyObject; the least recently used key is dropped first. */
export class KeyObjectCache {
  readonly #capacity: number
  // Map order is recency order, oldest first.
  readonly #keys = new Map<string, KeyObject>()

  constructor (capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw SilmarilError.badRequest(`a key cache holds at least 1 key, got ${String(capacity)}`)
    this.#capacity = capacity
  }

  get size (): number {
    return this.#keys.size
  }

  get (id: string): KeyObject | undefined {
    const key = this.#keys.get(id)
    if (key !== undefined) {
      this.#keys.delete(id)
      this.#keys.set(id, key)
    }
    return key
  }

  set (id: string, key: KeyObject): void {
    this.#keys.delete(id)
    if (this.#keys.size >= this.#capacity) {
      const oldest = this.#keys.keys().next().value
      if (oldest !== undefined) this.#keys.delete(oldest)
    }
    this.#keys.set(id, key)
  }
}

// DHT nodes verify the same few publishers over and over. Only keys that verified a signature are
// kept, so puts forged under random keys cannot push the real publishers out.
const publicKeys = new KeyObjectCache(PUBLIC_KEY_CACHE_SIZE)

/** How many public keys are cached (for tests). */
export function cachedPublicKeyCount (): number {
  return publicKeys.size
}

export function generateSeed (): Uint8Array {
  return new Uint8Array(randomBytes(SEED_BYTES))
}

export function keyPairFromSeed (seed: Uint8Array): KeyPair {
  const privateKey = privateKeyFromSeed(seed)
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return {
    publicKey: new Uint8Array(spki.subarray(SPKI_PREFIX.length)),
    secretSeed: new Uint8Array(seed)
  }
}

export function sign (message: Uint8Array, seed: Uint8Array): Uint8Array {
  return new Uint8Array(cryptoSign(null, message, privateKeyFromSeed(seed)))
}

/** True only for a valid signature; any malformed input gives false, never an exception. */
export function verify (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return false
  if (!(message instanceof Uint8Array)) return false
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return false
  const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
  const cached = publicKeys.get(id)
  try {
    const key = cached ?? createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    const ok = cryptoVerify(null, message, key, signature)
    if (ok && cached === undefined) publicKeys.set(id, key)
    return ok
  } catch {
    return false
  }
}

function privateKeyFromSeed (seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) {
    throw SilmarilError.badRequest(`an ed25519 seed must be ${SEED_BYTES} bytes`)
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' })
}

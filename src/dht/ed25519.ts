import { createPrivateKey, createPublicKey, randomBytes, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { SilmarilError } from '../errors.js'

export const SEED_BYTES = 32
export const PUBLIC_KEY_BYTES = 32
export const SIGNATURE_BYTES = 64

const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const PUBLIC_KEY_CACHE_SIZE = 1024

export interface KeyPair {
  publicKey: Uint8Array
  secretSeed: Uint8Array
}

// DHT nodes verify the same few publishers over and over; parsing a key costs more than the check.
const publicKeyCache = new Map<string, KeyObject>()

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
  try {
    return cryptoVerify(null, message, publicKeyObject(publicKey), signature)
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

function publicKeyObject (publicKey: Uint8Array): KeyObject {
  const hex = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
  let key = publicKeyCache.get(hex)
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_SIZE) {
      const oldest = publicKeyCache.keys().next().value
      if (oldest !== undefined) publicKeyCache.delete(oldest)
    }
    publicKeyCache.set(hex, key)
  }
  return key
}

import { createHash } from 'node:crypto'
import { mutableTarget } from '../dht/bep44.js'
import { keyPairFromSeed, PUBLIC_KEY_BYTES, type KeyPair } from '../dht/ed25519.js'
import { SilmarilError } from '../errors.js'

/** The discovery namespace: the shared slot's seed source and every own slot's salt. */
export const SLOT_SALT = 'silmaril-discovery-v1'

/**
 * Seed of the shared slot's keypair, SHA-256("silmaril-discovery-v1"), as the original Go
 * Silmaril derived it. It is public: anyone can sign for the shared slot.
 */
export const SHARED_SLOT_SEED: Uint8Array = new Uint8Array(createHash('sha256').update(SLOT_SALT).digest())

const SHARED_KEY_PAIR = keyPairFromSeed(SHARED_SLOT_SEED)
const SALT_BYTES = new Uint8Array(Buffer.from(SLOT_SALT, 'utf8'))
const PUBLIC_KEY_HEX_RE = /^[0-9a-f]{64}$/

/** Lowercase hex of the shared slot's public key. */
export const SHARED_PUBLIC_KEY_HEX = hex(SHARED_KEY_PAIR.publicKey)

/** The shared slot's DHT target, SHA-1 of its public key (no salt), lowercase hex. */
export const SHARED_TARGET_HEX = hex(mutableTarget(SHARED_KEY_PAIR.publicKey))

/** A BEP 44 mutable slot: a public key and an optional salt. */
export interface Slot {
  /** `shared` for the well-known slot; `own` for a publisher's own slot. */
  kind: 'shared' | 'own'
  publicKey: Uint8Array
  /** Lowercase hex of `publicKey`; for an own slot, the publisher id. */
  publicKeyHex: string
  /** Empty for no salt. */
  salt: Uint8Array
  /** The DHT target, SHA-1(publicKey + salt), lowercase hex. */
  target: string
}

/** The shared slot's keypair; a copy, since its seed is public anyway. */
export function sharedKeyPair (): KeyPair {
  return { publicKey: new Uint8Array(SHARED_KEY_PAIR.publicKey), secretSeed: new Uint8Array(SHARED_KEY_PAIR.secretSeed) }
}

export function sharedSlot (): Slot {
  return {
    kind: 'shared',
    publicKey: new Uint8Array(SHARED_KEY_PAIR.publicKey),
    publicKeyHex: SHARED_PUBLIC_KEY_HEX,
    salt: new Uint8Array(0),
    target: SHARED_TARGET_HEX
  }
}

/** A publisher's own slot: its publisher key with salt `silmaril-discovery-v1`. */
export function ownSlot (publisher: Uint8Array | string): Slot {
  const publicKey = publicKeyBytes(publisher)
  return {
    kind: 'own',
    publicKey,
    publicKeyHex: hex(publicKey),
    salt: new Uint8Array(SALT_BYTES),
    target: hex(mutableTarget(publicKey, SALT_BYTES))
  }
}

/** The BEP 46 magnet of a slot: `magnet:?xs=urn:btpk:<public key hex>[&s=<salt hex>]`. */
export function slotMagnet (slot: Pick<Slot, 'publicKey' | 'salt'>): string {
  const magnet = `magnet:?xs=urn:btpk:${hex(slot.publicKey)}`
  return slot.salt.length === 0 ? magnet : `${magnet}&s=${hex(slot.salt)}`
}

/** Whether `value` is a publisher id: 64 lowercase hex characters. */
export function isPublisherId (value: unknown): value is string {
  return typeof value === 'string' && PUBLIC_KEY_HEX_RE.test(value)
}

/** A short label for logs: `shared` or `own:<first 16 hex>`. */
export function slotLabel (slot: Slot): string {
  return slot.kind === 'shared' ? 'shared' : `own:${slot.publicKeyHex.slice(0, 16)}`
}

function publicKeyBytes (publisher: Uint8Array | string): Uint8Array {
  if (typeof publisher === 'string') {
    if (!isPublisherId(publisher.toLowerCase())) {
      throw SilmarilError.badRequest(`a publisher id is ${PUBLIC_KEY_BYTES * 2} lowercase hex characters, got "${publisher.slice(0, 80)}"`)
    }
    return new Uint8Array(Buffer.from(publisher, 'hex'))
  }
  if (!(publisher instanceof Uint8Array) || publisher.length !== PUBLIC_KEY_BYTES) {
    throw SilmarilError.badRequest(`a publisher key is ${PUBLIC_KEY_BYTES} bytes`)
  }
  return new Uint8Array(publisher)
}

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

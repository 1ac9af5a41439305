import { createRequire } from 'node:module'
import { sign, verify } from './dht/ed25519.js'
import { SilmarilError } from './errors.js'

/**
 * Signatures over RFC 8785 canonical JSON of an object without its `signature` field, prefixed
 * by a domain string so a signature for one kind of object can never be replayed as another.
 */
// canonicalize is CommonJS (module.exports = fn) while its d.ts declares an ES default export.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined

export const MANIFEST_DOMAIN = 'silmaril/manifest@1\n'
export const ENTRY_DOMAIN = 'silmaril/entry@1\n'

export type SignatureDomain = typeof MANIFEST_DOMAIN | typeof ENTRY_DOMAIN

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** RFC 8785 (JCS) canonical JSON text; refuses values JSON cannot carry exactly. */
export function canonicalJson (value: unknown): string {
  let text: string | undefined
  try {
    text = canonicalize(value)
  } catch (err) {
    throw SilmarilError.badRequest(`cannot be written as canonical JSON: ${(err as Error).message}`)
  }
  if (text === undefined) throw SilmarilError.badRequest('cannot be written as canonical JSON')
  return text
}

/** The exact bytes signed for an object: the domain, then the canonical JSON without `signature`. */
export function signingBytes (domain: SignatureDomain, object: Record<string, unknown>): Buffer {
  const { signature: _ignored, ...unsigned } = object
  return Buffer.from(domain + canonicalJson(unsigned), 'utf8')
}

/** Returns a copy of the object with `signature` (128 hex characters) set. */
export function signObject<T extends Record<string, unknown>> (domain: SignatureDomain, object: T, secretSeed: Uint8Array): T & { signature: string } {
  const signature = Buffer.from(sign(signingBytes(domain, object), secretSeed)).toString('hex')
  return { ...object, signature }
}

/** Whether `object.signature` is a valid signature by `publicKeyHex` in the domain; never throws. */
export function verifyObject (domain: SignatureDomain, object: Record<string, unknown>, publicKeyHex: string): boolean {
  const signature = object['signature']
  if (typeof signature !== 'string' || !/^[0-9a-f]{128}$/.test(signature) || !/^[0-9a-f]{64}$/.test(publicKeyHex)) return false
  let bytes: Buffer
  try {
    bytes = signingBytes(domain, object)
  } catch {
    return false
  }
  return verify(Buffer.from(signature, 'hex'), bytes, Buffer.from(publicKeyHex, 'hex'))
}

import { createHash } from 'node:crypto'
import bencode from 'bencode'
import { SilmarilError } from '../errors.js'
import { PUBLIC_KEY_BYTES, verify } from './ed25519.js'

/** BEP 44: the bencoded `v` may be at most 1000 bytes. */
export const MAX_VALUE_BYTES = 1000
export const MAX_SALT_BYTES = 64
export const TARGET_BYTES = 20

/** KRPC error codes a BEP 44 put can meet. */
export const KRPC_ERRORS = {
  GENERIC: 201,
  SERVER: 202,
  PROTOCOL: 203,
  METHOD_UNKNOWN: 204,
  VALUE_TOO_BIG: 205,
  INVALID_SIGNATURE: 206,
  SALT_TOO_BIG: 207,
  CAS_MISMATCH: 301,
  SEQ_TOO_LOW: 302
} as const

/** A bencodable value: byte strings, integers, lists and dictionaries. */
export type BencodeValue = Uint8Array | string | number | BencodeValue[] | { [key: string]: BencodeValue }

export interface SignableItem {
  salt?: Uint8Array | string | undefined
  seq: number
  v: BencodeValue
}

/** The bytes a BEP 44 mutable item's signature covers: `4:salt<salt>3:seqi<seq>e1:v<bencoded v>`. */
export function signable ({ salt, seq, v }: SignableItem): Uint8Array {
  checkSeq(seq)
  const saltBytes = toBytes(salt)
  checkSalt(saltBytes)
  const parts: Uint8Array[] = []
  if (saltBytes.length > 0) parts.push(Buffer.from(`4:salt${saltBytes.length}:`), saltBytes)
  parts.push(Buffer.from(`3:seqi${seq}e1:v`), bencode.encode(v))
  return new Uint8Array(Buffer.concat(parts))
}

/** The DHT key of a mutable item: SHA-1 of the public key followed by the salt. */
export function mutableTarget (publicKey: Uint8Array, salt?: Uint8Array | string): Uint8Array {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) {
    throw SilmarilError.badRequest(`a BEP 44 public key must be ${PUBLIC_KEY_BYTES} bytes`)
  }
  const saltBytes = toBytes(salt)
  checkSalt(saltBytes)
  return new Uint8Array(createHash('sha1').update(publicKey).update(saltBytes).digest())
}

/** The `verify` option for bittorrent-dht; false for anything malformed, never throws. */
export function dhtVerify (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return verify(signature, message, publicKey)
}

// bencode.byteLength miscounts views with a byteOffset (pooled Buffers), so measure the encoding.
export function valueByteLength (v: BencodeValue): number {
  return bencode.encode(v).length
}

export function toBytes (value: Uint8Array | string | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0)
  return typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'utf8')) : value
}

function checkSeq (seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw SilmarilError.badRequest(`a BEP 44 seq must be a non-negative safe integer, got ${String(seq)}`)
  }
}

function checkSalt (salt: Uint8Array): void {
  if (salt.length > MAX_SALT_BYTES) {
    throw SilmarilError.badRequest(`a BEP 44 salt may be at most ${MAX_SALT_BYTES} bytes, got ${salt.length}`)
  }
}

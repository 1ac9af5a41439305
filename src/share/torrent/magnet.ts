import { SilmarilError } from '../../errors.js'

/** The multihash prefix of a SHA-256 digest (code 0x12, 32 bytes) in a BEP 52 `urn:btmh:`. */
const SHA256_MULTIHASH_PREFIX = '1220'
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export interface MagnetFields {
  /** Hex SHA-1 infohash (v1). */
  infoHashV1?: string
  /** Hex SHA-256 infohash (v2). */
  infoHashV2?: string
  name?: string
}

/** A hybrid magnet: `xt=urn:btih:<v1>&xt=urn:btmh:1220<v2>&dn=<name>`; the v2 hash and the name when known. */
export function magnetUri ({ infoHashV1, infoHashV2, name }: { infoHashV1: string, infoHashV2?: string | null, name?: string | null }): string {
  const v1 = checkHex(infoHashV1, 20, 'v1 infohash')
  const v2 = infoHashV2 === undefined || infoHashV2 === null ? '' : `&xt=urn:btmh:${SHA256_MULTIHASH_PREFIX}${checkHex(infoHashV2, 32, 'v2 infohash')}`
  const dn = name === undefined || name === null ? '' : `&dn=${encodeURIComponent(name)}`
  return `magnet:?xt=urn:btih:${v1}${v2}${dn}`
}

/** Reads the infohashes (btih in hex or base32, btmh as a SHA-256 multihash) and name of a magnet. */
export function parseMagnet (uri: string): MagnetFields {
  if (!uri.toLowerCase().startsWith('magnet:?')) throw SilmarilError.usage(`not a magnet link: "${uri}"`)
  const params = new URLSearchParams(uri.slice('magnet:?'.length))
  const fields: MagnetFields = {}
  for (const xt of params.getAll('xt')) {
    const lower = xt.toLowerCase()
    if (lower.startsWith('urn:btih:')) fields.infoHashV1 = btih(xt.slice('urn:btih:'.length))
    else if (lower.startsWith('urn:btmh:')) fields.infoHashV2 = btmh(xt.slice('urn:btmh:'.length))
  }
  if (fields.infoHashV1 === undefined && fields.infoHashV2 === undefined) throw SilmarilError.usage(`the magnet link has no urn:btih: or urn:btmh: infohash: "${uri}"`)
  const name = params.get('dn')
  if (name !== null) fields.name = name
  return fields
}

function btih (value: string): string {
  if (value.length === 40) return checkHex(value, 20, 'urn:btih: infohash')
  if (value.length === 32) return base32ToHex(value)
  throw SilmarilError.usage(`a urn:btih: infohash is 40 hex or 32 base32 characters, got "${value}"`)
}

function btmh (value: string): string {
  if (!value.toLowerCase().startsWith(SHA256_MULTIHASH_PREFIX)) throw SilmarilError.usage(`only SHA-256 multihashes (prefix ${SHA256_MULTIHASH_PREFIX}) are supported in urn:btmh:, got "${value}"`)
  return checkHex(value.slice(SHA256_MULTIHASH_PREFIX.length), 32, 'urn:btmh: infohash')
}

function checkHex (value: string, bytes: number, what: string): string {
  if (value.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(value)) throw SilmarilError.usage(`a ${what} is ${bytes * 2} hex characters, got "${value}"`)
  return value.toLowerCase()
}

function base32ToHex (value: string): string {
  let bits = 0
  let acc = 0
  const out: number[] = []
  for (const char of value.toUpperCase()) {
    const digit = BASE32_ALPHABET.indexOf(char)
    if (digit < 0) throw SilmarilError.usage(`"${value}" is not a base32 infohash`)
    acc = (acc << 5) | digit
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 0xff)
    }
  }
  return Buffer.from(out).toString('hex')
}

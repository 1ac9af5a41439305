import { SilmarilError } from '../errors.js'

/** A v1 infohash: 20 bytes, SHA-1 of the bencoded `info`. */
export const INFOHASH_BYTES = 20

const INFOHASH_HEX_RE = /^[0-9a-f]{40}$/i
const PREVIEW_BYTES = 24

/** The BEP 46 value of a slot. A type, not an interface, so it is a BencodeValue. */
export type SlotValue = { ih: Uint8Array }

/** What a slot's value says: a BEP 46 pointer, or something we do not understand. */
export type DecodedSlotValue =
  | { kind: 'pointer', infohash: string }
  | { kind: 'unknown', reason: string }

/** `{ ih: <20 raw bytes> }` for a v1 infohash given as 40 hex characters or 20 bytes. */
export function encodeSlotValue (infohash: string | Uint8Array): SlotValue {
  if (typeof infohash === 'string') {
    if (!INFOHASH_HEX_RE.test(infohash)) {
      throw SilmarilError.badRequest(`an infohash is ${INFOHASH_BYTES * 2} hex characters, got "${infohash.slice(0, 80)}"`)
    }
    return { ih: new Uint8Array(Buffer.from(infohash, 'hex')) }
  }
  if (!(infohash instanceof Uint8Array) || infohash.length !== INFOHASH_BYTES) {
    throw SilmarilError.badRequest(`an infohash is ${INFOHASH_BYTES} bytes`)
  }
  return { ih: new Uint8Array(infohash) }
}

/**
 * Reads a slot value as BEP 46: a dictionary whose `ih` is 20 bytes. Other keys are ignored, as
 * BEP 46 only asks for `ih`. Anything else, such as the JSON string the original Go Silmaril
 * stored, is `unknown` with a reason; this never throws.
 */
export function decodeSlotValue (v: unknown): DecodedSlotValue {
  if (v instanceof Uint8Array) return unknown(`a ${v.length}-byte string, not a dictionary${preview(v)}`)
  if (typeof v === 'number') return unknown('an integer, not a dictionary')
  if (Array.isArray(v)) return unknown('a list, not a dictionary')
  if (typeof v !== 'object' || v === null) return unknown(`${v === null ? 'null' : typeof v}, not a dictionary`)
  if (!Object.hasOwn(v, 'ih')) return unknown('a dictionary without "ih"')
  const ih = (v as Record<string, unknown>)['ih']
  if (!(ih instanceof Uint8Array)) return unknown('"ih" is not a byte string')
  if (ih.length !== INFOHASH_BYTES) return unknown(`"ih" is ${ih.length} bytes, not ${INFOHASH_BYTES}`)
  return { kind: 'pointer', infohash: Buffer.from(ih.buffer, ih.byteOffset, ih.byteLength).toString('hex') }
}

function unknown (reason: string): DecodedSlotValue {
  return { kind: 'unknown', reason }
}

// Shows printable values (the Go Silmaril's JSON) in logs; binary stays out.
function preview (bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, PREVIEW_BYTES)).toString('latin1')
  if (!/^[\x20-\x7e]*$/.test(text)) return ''
  return ` (${JSON.stringify(text)}${bytes.length > PREVIEW_BYTES ? '…' : ''})`
}

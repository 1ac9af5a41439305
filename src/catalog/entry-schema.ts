import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { LICENSE_PATTERN, MAX_TAGS, MODEL_NAME_PATTERN, REVISION_PATTERN, TAG_PATTERN } from '../models/names.js'
import { ENTRY_VERSION } from './entry-types.js'
import { MAX_ENTRY_DESCRIPTION_CHARS, MAX_ENTRY_SOURCE_URL_CHARS } from './limits.js'

/** Fixed-width ISO 8601 UTC with milliseconds, so string order is time order. */
export const UPDATED_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$'
export const FORMAT_PATTERN = '^[a-z0-9][a-z0-9._+-]{0,31}$'
/** One line of text people read: no control, line-separator or bidi-override characters, no lone surrogates. */
export const DESCRIPTION_PATTERN = '^[^\\p{Cc}\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ud800-\\udfff]*$'
export const PUBLISHER_PATTERN = '^[0-9a-f]{64}$'
export const INFOHASH_PATTERN = '^[0-9a-f]{40}$'
export const INFOHASH_V2_PATTERN = '^[0-9a-f]{64}$'
export const SIGNATURE_PATTERN = '^[0-9a-f]{128}$'
/** An http(s) URL in printable ASCII (a parsed URL's `href` is). */
export const SOURCE_URL_PATTERN = '^https?://[\\x21-\\x7e]+$'
export const SOURCE_COMMIT_PATTERN = '^[0-9a-f]{7,64}$'

const NO_DOUBLE_DOT = { not: { pattern: '\\.\\.' } }

const IDENTITY_PROPERTIES = {
  v: { const: ENTRY_VERSION },
  publisher: { type: 'string', pattern: PUBLISHER_PATTERN },
  name: { type: 'string', pattern: MODEL_NAME_PATTERN, ...NO_DOUBLE_DOT },
  revision: { type: 'string', pattern: REVISION_PATTERN, ...NO_DOUBLE_DOT },
  updated: { type: 'string', pattern: UPDATED_PATTERN },
  signature: { type: 'string', pattern: SIGNATURE_PATTERN }
}

const TOMBSTONE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'publisher', 'name', 'revision', 'updated', 'revoked', 'signature'],
  properties: { ...IDENTITY_PROPERTIES, revoked: { const: true } }
}

const LIVE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'publisher', 'name', 'revision', 'license', 'tags', 'description', 'size', 'files', 'format', 'infohash', 'infohash_v2', 'updated', 'signature'],
  properties: {
    ...IDENTITY_PROPERTIES,
    license: { type: 'string', pattern: LICENSE_PATTERN },
    tags: { type: 'array', maxItems: MAX_TAGS, uniqueItems: true, items: { type: 'string', pattern: TAG_PATTERN } },
    description: { type: 'string', maxLength: MAX_ENTRY_DESCRIPTION_CHARS, pattern: DESCRIPTION_PATTERN },
    size: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    files: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    format: { type: 'string', pattern: FORMAT_PATTERN },
    infohash: { type: 'string', pattern: INFOHASH_PATTERN },
    infohash_v2: { type: 'string', pattern: INFOHASH_V2_PATTERN },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', maxLength: MAX_ENTRY_SOURCE_URL_CHARS, pattern: SOURCE_URL_PATTERN },
        commit: { type: 'string', pattern: SOURCE_COMMIT_PATTERN }
      }
    }
  }
}

const ENTRY_SCHEMA = {
  type: 'object',
  if: { type: 'object', required: ['revoked'], properties: { revoked: true } },
  then: TOMBSTONE_SCHEMA,
  else: LIVE_SCHEMA
}

let validator: ValidateFunction | undefined

/** Undefined when `value` has the shape of an entry, else what is wrong with it. */
export function entrySchemaProblem (value: unknown): string | undefined {
  validator ??= new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(ENTRY_SCHEMA)
  if (validator(value)) return undefined
  return describe(validator.errors?.[0])
}

function describe (error: ErrorObject | undefined): string {
  if (error === undefined) return 'is not a catalog entry'
  const where = error.instancePath === '' ? 'the entry' : error.instancePath.slice(1).replace(/\//g, '.')
  switch (error.keyword) {
    case 'additionalProperties': return `${where} has an unknown field "${String((error.params as { additionalProperty?: string }).additionalProperty)}"`
    case 'required': return `${where} lacks "${String((error.params as { missingProperty?: string }).missingProperty)}"`
    case 'const': return `${where} must be ${JSON.stringify((error.params as { allowedValue?: unknown }).allowedValue)}`
    case 'not': return `${where} must not contain ".."`
    default: return `${where} ${error.message ?? 'is invalid'}`
  }
}

import { Ajv, type ValidateFunction } from 'ajv'
import { SilmarilError } from '../errors.js'
import type { Identity } from '../identity.js'
import { LICENSE_PATTERN, MAX_DESCRIPTION_CHARS, MAX_TAGS, MODEL_NAME_PATTERN, REVISION_PATTERN, TAG_PATTERN } from '../models/names.js'
import { compareTorrentPaths } from './torrent/torrent-paths.js'
import { canonicalJson, MANIFEST_DOMAIN, signObject, verifyObject, type JsonValue } from '../signed-json.js'

export const MANIFEST_FILE = '.silmaril.json'
export const MANIFEST_SCHEMA_VERSION = 1
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
const MAX_FILES = 100_000

export interface ManifestFile { path: string, size: number, sha256: string }

/** `.silmaril.json`: what a model is, what it holds, who published it. See docs/PROTOCOL.md. */
export interface Manifest {
  schema_version: typeof MANIFEST_SCHEMA_VERSION
  name: string
  revision: string
  license: string
  tags: string[]
  description: string
  source?: { url: string, commit?: string }
  files: ManifestFile[]
  format: { [key: string]: JsonValue }
  publisher: string
  created: string
  signature?: string
}

export type UnsignedManifest = Omit<Manifest, 'signature' | 'publisher' | 'created' | 'schema_version'>

const MANIFEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['schema_version', 'name', 'revision', 'license', 'tags', 'description', 'files', 'format', 'publisher', 'created'],
  properties: {
    schema_version: { const: MANIFEST_SCHEMA_VERSION },
    name: { type: 'string', pattern: MODEL_NAME_PATTERN },
    revision: { type: 'string', pattern: REVISION_PATTERN },
    license: { type: 'string', pattern: LICENSE_PATTERN },
    tags: { type: 'array', maxItems: MAX_TAGS, uniqueItems: true, items: { type: 'string', pattern: TAG_PATTERN } },
    description: { type: 'string', maxLength: MAX_DESCRIPTION_CHARS },
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: { url: { type: 'string', minLength: 1, maxLength: 2048 }, commit: { type: 'string', pattern: '^[0-9a-f]{7,64}$' } }
    },
    files: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_FILES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'size', 'sha256'],
        properties: {
          path: { type: 'string', minLength: 1, maxLength: 4096 },
          size: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' }
        }
      }
    },
    format: { type: 'object' },
    publisher: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    created: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' },
    signature: { type: 'string', pattern: '^[0-9a-f]{128}$' }
  }
} as const

let validator: ValidateFunction | undefined

function validate (value: unknown): string | undefined {
  validator ??= new Ajv({ allErrors: false, strict: false }).compile(MANIFEST_SCHEMA)
  if (validator(value)) return undefined
  const error = validator.errors?.[0]
  if (error === undefined) return 'is invalid'
  const where = error.instancePath === '' ? 'the manifest' : error.instancePath.slice(1).replace(/\//g, '.')
  if (error.keyword === 'additionalProperties') return `${where} has an unknown field "${String((error.params as { additionalProperty?: string }).additionalProperty)}"`
  return `${where} ${error.message ?? 'is invalid'}`
}

/** A safe torrent-relative path: posix, no empty, `.` or `..` components, not absolute. */
export function isSafeRelativePath (path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false
  return path.split('/').every(part => part !== '' && part !== '.' && part !== '..')
}

/** Torrent order: component by component, each by its UTF-8 bytes (`tok/vocab.txt` before `tok.json`). */
export function comparePaths (a: string, b: string): number {
  return compareTorrentPaths(a.split('/'), b.split('/'))
}

function checkFiles (files: ManifestFile[]): string | undefined {
  let previous: string | undefined
  for (const file of files) {
    if (!isSafeRelativePath(file.path)) return `files lists an unsafe path "${file.path}"`
    if (file.path === MANIFEST_FILE) return `files must not list ${MANIFEST_FILE} itself`
    if (previous !== undefined) {
      const order = comparePaths(previous, file.path)
      if (order === 0) return `files lists "${file.path}" twice`
      if (order > 0) return 'files must be sorted by path'
    }
    previous = file.path
  }
  return undefined
}

/** Builds and (unless `sign` is false) signs a manifest as the given publisher. */
export function buildManifest (fields: UnsignedManifest, identity: Identity, { sign = true, created = new Date() } = {}): Manifest {
  const manifest: Manifest = {
    schema_version: MANIFEST_SCHEMA_VERSION,
    name: fields.name,
    revision: fields.revision,
    license: fields.license,
    tags: fields.tags,
    description: fields.description,
    ...(fields.source === undefined ? {} : { source: fields.source }),
    files: fields.files,
    format: fields.format,
    publisher: identity.publisherId,
    created: created.toISOString()
  }
  const problem = validate(manifest) ?? checkFiles(manifest.files)
  if (problem !== undefined) throw SilmarilError.badRequest(`cannot build the manifest: ${problem}`)
  return sign ? signObject(MANIFEST_DOMAIN, manifest as unknown as Record<string, unknown>, identity.secretSeed) as unknown as Manifest : manifest
}

/** The file's bytes: JSON in canonical key order, indented for people, newline-terminated. */
export function manifestBytes (manifest: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(JSON.parse(canonicalJson(manifest)), null, 2)}\n`, 'utf8')
}

export interface ParsedManifest {
  manifest: Manifest
  signed: boolean
}

/**
 * Parses and checks a manifest: JSON, schema, file list, and the signature by its `publisher`
 * when it has one. Anything wrong is a `verification_failed` error that says what and where.
 */
export function parseManifest (bytes: Uint8Array | string, where: string): ParsedManifest {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8')
  if (text.length > MAX_MANIFEST_BYTES) throw new SilmarilError('verification_failed', `${where}: the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new SilmarilError('verification_failed', `${where}: the manifest is not valid JSON (${(err as Error).message})`)
  }
  const problem = validate(value) ?? checkFiles((value as Manifest).files)
  if (problem !== undefined) throw new SilmarilError('verification_failed', `${where}: the manifest does not match schema version ${MANIFEST_SCHEMA_VERSION}: ${problem}`)
  const manifest = value as Manifest
  if (manifest.signature === undefined) return { manifest, signed: false }
  if (!verifyObject(MANIFEST_DOMAIN, manifest as unknown as Record<string, unknown>, manifest.publisher)) {
    throw new SilmarilError('verification_failed', `${where}: the manifest's signature does not match its content and publisher ${manifest.publisher.slice(0, 16)}…; it was changed after signing`)
  }
  return { manifest, signed: true }
}

/** Whether two manifests describe the same thing, ignoring when and whether they were signed. */
export function sameManifestContent (a: Manifest, b: Manifest): boolean {
  const strip = ({ created: _c, signature: _s, ...rest }: Manifest): Omit<Manifest, 'created' | 'signature'> => rest
  return canonicalJson(strip(a)) === canonicalJson(strip(b))
}

import { userInfo } from 'node:os'
import { SilmarilError } from '../errors.js'

/** `org/name`, each part like a Hugging Face repo id: letters, digits, `.`, `_`, `-`; 96 characters at most. */
const PART = '[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_-])?'
export const MODEL_NAME_PATTERN = `^${PART}/${PART}$`
export const REVISION_PATTERN = '^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9_-])?$'
export const LICENSE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$'
export const TAG_PATTERN = '^[a-z0-9][a-z0-9._+-]{0,31}$'
export const MAX_TAGS = 32
export const MAX_DESCRIPTION_CHARS = 1000
export const DEFAULT_REVISION = 'main'

const NAME_RE = new RegExp(MODEL_NAME_PATTERN)

export interface ModelName { org: string, name: string, full: string }

export function isModelName (value: string): boolean {
  return NAME_RE.test(value) && !value.includes('..')
}

export function parseModelName (value: string): ModelName {
  if (!isModelName(value)) {
    throw SilmarilError.usage(`"${value}" is not a valid model name; use org/name with letters, digits, ".", "_" and "-" (for example acme/llama-3-8b)`)
  }
  const [org, name] = value.split('/') as [string, string]
  return { org, name, full: value }
}

export function checkRevision (value: string): string {
  if (!new RegExp(REVISION_PATTERN).test(value) || value.includes('..')) {
    throw SilmarilError.usage(`"${value}" is not a valid revision; use letters, digits, ".", "_" and "-" (for example main or v1.0)`)
  }
  return value
}

export function checkLicense (value: string): string {
  if (!new RegExp(LICENSE_PATTERN).test(value)) {
    throw SilmarilError.usage(`"${value}" is not a valid license id; use an SPDX-style id such as mit, apache-2.0 or llama3`)
  }
  return value.toLowerCase()
}

/** Lowercases, trims and checks tags; returns them sorted and unique. */
export function normalizeTags (tags: readonly string[]): string[] {
  const out = new Set<string>()
  for (const raw of tags) {
    const tag = raw.trim().toLowerCase()
    if (tag === '') continue
    if (!new RegExp(TAG_PATTERN).test(tag)) throw SilmarilError.usage(`"${raw}" is not a valid tag; use up to 32 lowercase letters, digits, ".", "_", "+" and "-"`)
    out.add(tag)
  }
  if (out.size > MAX_TAGS) throw SilmarilError.usage(`too many tags (${out.size}); ${MAX_TAGS} at most`)
  return [...out].sort()
}

/** Turns any text into a valid name part (for default names from folder and user names). */
export function toNamePart (text: string): string {
  const cleaned = text.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').replace(/\.{2,}/g, '.').slice(0, 96)
  return cleaned === '' ? 'model' : cleaned
}

/** The org for names chosen without `--name`: `share.default_org`, else the local user name. */
export function defaultOrg (configured: string): string {
  if (configured !== '') return configured
  let user = process.env['USER'] ?? ''
  try { user = userInfo().username } catch {}
  return toNamePart(user === '' ? 'local' : user)
}

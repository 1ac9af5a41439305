/**
 * A string from a model file, fit to show in a terminal and to sign: trimmed, non-empty, at
 * most `maxChars` long, without control characters. Anything else yields undefined.
 */
export function cleanText (value: unknown, maxChars: number): string | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (text.length === 0 || text.length > maxChars) return undefined
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return undefined
  }
  return text
}

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

// Finds where JSON values end without building them, so a catalog file can be cut into entries
// and each entry parsed (or skipped) on its own. Loose: JSON.parse checks each piece afterwards.

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const COMMA = 0x2c

/** The index of the first character at or after `i` that is not JSON whitespace. */
export function skipWhitespace (text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i
    i++
  }
}

/** The index just after the string starting at `i` (a `"`), or -1 when it does not end. */
export function scanString (text: string, i: number): number {
  let from = i + 1
  for (;;) {
    const quote = text.indexOf('"', from)
    if (quote === -1) return -1
    let slashes = 0
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++
    if (slashes % 2 === 0) return quote + 1
    from = quote + 1
  }
}

/** The index just after the value starting at `i`, or -1 when it does not end. */
export function scanValue (text: string, i: number): number {
  const first = text.charCodeAt(i)
  if (first === QUOTE) return scanString(text, i)
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) return scanPrimitive(text, i)
  let depth = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      i = scanString(text, i)
      if (i === -1) return -1
      continue
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1
    }
    i++
  }
  return -1
}

function scanPrimitive (text: string, i: number): number {
  const start = i
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break
    i++
  }
  return i === start ? -1 : i
}

/**
 * The `[start, end)` spans of the elements of the array starting at `i` (a `[`), and the index
 * just after it; a string saying what is wrong when the array is not well delimited.
 */
export function scanArrayElements (text: string, i: number): { spans: Array<[number, number]>, end: number } | string {
  const spans: Array<[number, number]> = []
  i = skipWhitespace(text, i + 1)
  if (text.charCodeAt(i) === CLOSE_BRACKET) return { spans, end: i + 1 }
  for (;;) {
    const end = scanValue(text, i)
    if (end === -1) return `element ${spans.length} does not end`
    spans.push([i, end])
    i = skipWhitespace(text, end)
    const c = text.charCodeAt(i)
    if (c === CLOSE_BRACKET) return { spans, end: i + 1 }
    if (c !== COMMA) return `expected "," or "]" after element ${spans.length - 1}`
    i = skipWhitespace(text, i + 1)
  }
}

import type { Key } from 'ink'

/** Text typed into a field (search, filter), not a control or navigation key. */
export function typedText (input: string, key: Key): string | undefined {
  if (key.ctrl || key.meta || key.tab || key.return || key.escape || input === '') return undefined
  return [...input].every(ch => (ch.codePointAt(0) ?? 0) >= 0x20 && ch !== '\x7f') ? input : undefined
}

/** The field's text after one key: typing appends, Backspace deletes, Ctrl-U clears. */
export function editText (text: string, input: string, key: Key): string {
  if (key.backspace || key.delete) return text.slice(0, -1)
  if (key.ctrl && input === 'u') return ''
  return text + (typedText(input, key) ?? '')
}

/** One server-sent event: its `event:` name (default `message`) and its joined `data:` lines. */
export interface SseMessage {
  event: string
  data: string
  id?: string
}

/**
 * An incremental parser of the `text/event-stream` format (WHATWG HTML, server-sent events):
 * feed it chunks as they arrive, get whole events back. Comments (`:` lines) are heartbeats.
 */
export class SseParser {
  #buffer = ''
  #event = ''
  #data: string[] = []
  #id: string | undefined

  feed (chunk: string): SseMessage[] {
    this.#buffer += chunk
    const out: SseMessage[] = []
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/)
      if (end === -1) break
      // A lone \r at the end of a chunk may be the first half of \r\n; wait for the next chunk.
      if (this.#buffer[end] === '\r' && end === this.#buffer.length - 1) break
      const line = this.#buffer.slice(0, end)
      this.#buffer = this.#buffer.slice(end + (this.#buffer.startsWith('\r\n', end) ? 2 : 1))
      const message = this.#line(line)
      if (message !== undefined) out.push(message)
    }
    return out
  }

  #line (line: string): SseMessage | undefined {
    if (line === '') {
      if (this.#data.length === 0) { this.#event = ''; return undefined }
      const message: SseMessage = { event: this.#event === '' ? 'message' : this.#event, data: this.#data.join('\n') }
      if (this.#id !== undefined) message.id = this.#id
      this.#event = ''
      this.#data = []
      return message
    }
    if (line.startsWith(':')) return undefined
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.#event = value
    else if (field === 'data') this.#data.push(value)
    else if (field === 'id' && !value.includes('\0')) this.#id = value
    return undefined
  }
}

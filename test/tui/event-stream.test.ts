import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import type { ServerEvent } from '../../src/api/types.js'
import { EventStream, type StreamStatus } from '../../src/cli/event-stream.js'
import { SseParser } from '../../src/cli/sse-parser.js'

test('the SSE parser: split chunks, CRLF, multi-line data, comments, default event name', () => {
  const parser = new SseParser()
  assert.deepEqual(parser.feed(': keepalive\n\nevent: hel'), [])
  assert.deepEqual(parser.feed('lo\r\ndata: {"a":\r'), [])
  assert.deepEqual(parser.feed('\ndata: 1}\r\n\r\n'), [{ event: 'hello', data: '{"a":\n1}' }])
  assert.deepEqual(parser.feed('data:x\n\nid: 7\ndata: y\n\n'), [{ event: 'message', data: 'x' }, { event: 'message', data: 'y', id: '7' }])
})

async function listen (t: TestContext, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server, url: string }> {
  const server = createServer(handler)
  await new Promise<void>(resolve => { server.listen(0, '127.0.0.1', resolve) })
  t.after(() => { server.closeAllConnections(); server.close() })
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function next<T> (subscribe: (listener: (value: T) => void) => () => void, match: (value: T) => boolean): Promise<T> {
  return new Promise(resolve => {
    const off = subscribe(value => { if (match(value)) { off(); resolve(value) } })
  })
}

const hello = (n: number): ServerEvent => ({ type: 'hello', version: String(n), transfers: [] })

test('events arrive with the bearer token; a closed stream reconnects and says hello again', async t => {
  let connections = 0
  const auth: Array<string | undefined> = []
  const { url } = await listen(t, (req, res) => {
    connections++
    auth.push(req.headers.authorization)
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write(`event: hello\ndata: ${JSON.stringify(hello(connections))}\n\n`)
    if (connections === 1) res.end()
  })
  const stream = new EventStream({ locator: async () => ({ url, token: 'secret' }), minRetryMs: 10 })
  t.after(() => { stream.stop() })
  const first = next<ServerEvent>(l => stream.onEvent(l), e => e.type === 'hello')
  const down = next<StreamStatus>(l => stream.onStatus(l), s => s.state === 'down')
  const second = next<ServerEvent>(l => stream.onEvent(l), e => e.type === 'hello' && e.version === '2')
  stream.start()
  assert.deepEqual(await first, hello(1))
  assert.match((await down as { reason: string }).reason, /closed the event stream/)
  await second
  assert.deepEqual(auth, ['Bearer secret', 'Bearer secret'])
})

test('a daemon that answers with an error is "refused"; one that is gone is "down"; the locator is asked each time', async t => {
  const { url } = await listen(t, (_req, res) => {
    res.writeHead(501, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { code: 'not_implemented', message: 'no events here' } }))
  })
  const dead = await listen(t, () => {})
  dead.server.close()
  const urls = [url, dead.url]
  let asked = 0
  const stream = new EventStream({ locator: async () => ({ url: urls[Math.min(asked++, 1)]!, token: undefined }), minRetryMs: 5, maxRetryMs: 20 })
  t.after(() => { stream.stop() })
  const refused = next<StreamStatus>(l => stream.onStatus(l), s => s.state === 'refused')
  const down = next<StreamStatus>(l => stream.onStatus(l), s => s.state === 'down')
  stream.start()
  assert.deepEqual(await refused, { state: 'refused', url, status: 501, reason: 'no events here', retryInMs: 20 })
  const gone = await down as { url: string, reason: string }
  assert.equal(gone.url, dead.url)
  assert.equal(gone.reason, 'ECONNREFUSED')
  stream.stop()
  stream.stop()
})

import { once } from 'node:events'
import { open } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, relative, resolve, sep } from 'node:path'

/**
 * How the server misbehaves: `ignore-range` answers 200 with the whole file, `corrupt` flips a
 * byte in every answer, `not-found` answers 404 for everything.
 */
export type RangeServerMode = 'ok' | 'ignore-range' | 'corrupt' | 'not-found'

export interface RangeServerOptions {
  /** The folder served at `/`. */
  root: string
  /** @default 'ok' */
  mode?: RangeServerMode
  /** Paths (relative to `root`, posix) that answer 404 whatever the mode. */
  missing?: readonly string[]
  /** Answers `/<redirectFrom>/<path>` with a 302 to `/<path>`, as Hugging Face's resolve URLs do. */
  redirectFrom?: string
}

export interface RangeServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Decoded request paths, in order. */
  readonly requests: string[]
  /** Body bytes sent. */
  readonly bytesSent: () => number
  mode: RangeServerMode
  close: () => Promise<void>
}

const RANGE = /^bytes=(\d+)-(\d+)?$/

/** A static file server on 127.0.0.1 with single-range Range support, for origin tests. */
export async function startRangeServer (options: RangeServerOptions): Promise<RangeServer> {
  const root = resolve(options.root)
  const missing = new Set(options.missing ?? [])
  const requests: string[] = []
  let sent = 0
  const state: RangeServer = {
    url: '',
    requests,
    bytesSent: () => sent,
    mode: options.mode ?? 'ok',
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    }
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      let path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
      requests.push(path)
      if (options.redirectFrom !== undefined && path.startsWith(`/${options.redirectFrom}/`)) {
        const target = path.slice(options.redirectFrom.length + 2).split('/').map(encodeURIComponent).join('/')
        res.writeHead(302, { location: `/${target}` }).end()
        return
      }
      path = path.slice(1)
      const file = resolve(join(root, path))
      if (state.mode === 'not-found' || missing.has(path) || !file.startsWith(root + sep) || relative(root, file).startsWith('..')) {
        res.writeHead(404).end()
        return
      }
      let handle
      try {
        handle = await open(file, 'r')
      } catch {
        res.writeHead(404).end()
        return
      }
      try {
        const size = (await handle.stat()).size
        const range = RANGE.exec(req.headers.range ?? '')
        let start = 0
        let end = size - 1
        let status = 200
        if (range !== null && state.mode !== 'ignore-range') {
          start = Number(range[1])
          end = range[2] === undefined ? size - 1 : Math.min(Number(range[2]), size - 1)
          if (start > end) {
            res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
            return
          }
          status = 206
        }
        const body = Buffer.allocUnsafe(end - start + 1)
        for (let at = 0; at < body.length;) {
          const { bytesRead } = await handle.read(body, at, body.length - at, start + at)
          if (bytesRead === 0) throw new Error(`${path} shrank while being served`)
          at += bytesRead
        }
        if (state.mode === 'corrupt' && body.length > 0) body[0] = body[0]! ^ 0xff
        const headers: http.OutgoingHttpHeaders = { 'content-length': body.length, 'accept-ranges': 'bytes' }
        if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`
        res.writeHead(status, headers)
        sent += body.length
        res.end(body)
      } finally {
        await handle.close()
      }
    })().catch(err => { res.destroy(err as Error) })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return state
}

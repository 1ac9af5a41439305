import { createServer, type Server } from 'node:http'
import type { Registry } from 'prom-client'
import { SilmarilError } from '../src/errors.js'

export interface OpsServerInit {
  host: string
  port: number
  registry: Registry
  /** The body of `/health`; `ok: false` answers 503. */
  health: () => { ok: boolean } & Record<string, unknown>
}

export interface OpsServer {
  url: string
  close (): Promise<void>
}

/** `/metrics` (Prometheus text format) and `/health` (JSON) for operators; nothing else. */
export async function startOpsServer (init: OpsServerInit): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/metrics') {
      init.registry.metrics().then(body => {
        res.writeHead(200, { 'content-type': init.registry.contentType }).end(req.method === 'HEAD' ? undefined : body)
      }, (err: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`)
      })
      return
    }
    if (path === '/health') {
      const health = init.health()
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : `${JSON.stringify(health)}\n`)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n')
  })
  server.keepAliveTimeout = 5000
  await listen(server, init.host, init.port)
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : init.port
  const host = init.host.includes(':') ? `[${init.host}]` : init.host
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
    }
  }
}

async function listen (server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new SilmarilError('network', `cannot serve metrics on ${host}:${port}: ${err.message}`, { cause: err }))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.removeListener('error', onError)
      resolve()
    })
  })
}

import type { DownloadRequest, ServerEvent, TransferInfo } from '../../src/api/types.js'
import { SilmarilError } from '../../src/errors.js'
import type { TuiApi } from '../../src/tui/api.js'
import type { StreamStatus } from '../../src/cli/event-stream.js'
import type { EventSource } from '../../src/tui/use-daemon-state.js'
import { details, DISCOVERED, MODELS, SNAPSHOT } from './tui-fixtures.js'

/** An event source the test drives: `emit` events, `setStatus` connection changes. */
export class FakeEvents implements EventSource {
  status: StreamStatus = { state: 'open', url: 'http://127.0.0.1:8737' }
  readonly #events = new Set<(e: ServerEvent) => void>()
  readonly #statuses = new Set<(s: StreamStatus) => void>()

  onEvent (listener: (e: ServerEvent) => void): () => void { this.#events.add(listener); return () => { this.#events.delete(listener) } }
  onStatus (listener: (s: StreamStatus) => void): () => void { this.#statuses.add(listener); return () => { this.#statuses.delete(listener) } }
  emit (event: ServerEvent): void { for (const l of this.#events) l(event) }
  setStatus (status: StreamStatus): void { this.status = status; for (const l of this.#statuses) l(status) }
  get listeners (): number { return this.#events.size }
}

export interface FakeApi extends TuiApi {
  calls: string[]
  /** What `download` answers: a transfer, or an error thrown. */
  downloads: Array<TransferInfo | Error>
  failures: Partial<Record<keyof TuiApi, Error>>
}

/** A TuiApi over the fixtures that records each call as "method arg". */
export function fakeApi (transfers: () => TransferInfo[]): FakeApi {
  const calls: string[] = []
  const failures: FakeApi['failures'] = {}
  const downloads: FakeApi['downloads'] = []
  const find = (id: string): TransferInfo => {
    const t = transfers().find(x => x.id === id)
    if (t === undefined) throw SilmarilError.notFound(`no transfer ${id}`)
    return t
  }
  const call = async <T>(name: keyof TuiApi, arg: string, answer: () => T): Promise<T> => {
    calls.push(`${name} ${arg}`.trim())
    const failure = failures[name]
    if (failure !== undefined) throw failure
    return answer()
  }
  return {
    calls,
    downloads,
    failures,
    transfer: async id => await call('transfer', id, () => details(find(id))),
    pause: async id => await call('pause', id, () => ({ ...find(id), paused: true, state: 'paused' as const })),
    resume: async id => await call('resume', id, () => ({ ...find(id), paused: false, state: 'downloading' as const })),
    cancel: async id => { await call('cancel', id, () => undefined) },
    download: async (request: DownloadRequest) => await call('download', `${request.ref}${request.accept_license === true ? ' accept' : ''}`, () => {
      const next = downloads.shift()
      if (next === undefined) throw SilmarilError.notImplemented('downloading models')
      if (next instanceof Error) throw next
      return next
    }),
    discover: async pattern => await call('discover', pattern, () => DISCOVERED.filter(m => m.name.includes(pattern))),
    models: async () => await call('models', '', () => MODELS),
    share: async name => await call('share', name, () => ({ name, revision: 'main', infohash: '', infohash_v2: '', magnet: '', path: '', size: 0, files: 0, publisher: '', signed: true, unchanged: true })),
    unshare: async name => await call('unshare', name, () => ({ name, infohash: '', deleted: false, path: '' })),
    status: async () => await call('status', '', () => SNAPSHOT)
  }
}

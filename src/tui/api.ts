import type { DiscoveredModel, DownloadRequest, LocalModel, NodeSnapshot, ShareResult, TransferInfo, UnshareResult } from '../api/types.js'
import { DaemonClient } from '../cli/client.js'
import type { DaemonLocator } from '../cli/locator.js'

/** The daemon's REST API as the TUI uses it; components get it injected, tests a fake. */
export interface TuiApi {
  transfer (id: string): Promise<TransferInfo>
  pause (id: string): Promise<TransferInfo>
  resume (id: string): Promise<TransferInfo>
  cancel (id: string): Promise<void>
  /** Rejects with a SilmarilError `policy` when the license needs accepting first. */
  download (request: DownloadRequest): Promise<TransferInfo>
  discover (pattern: string): Promise<DiscoveredModel[]>
  models (): Promise<LocalModel[]>
  share (name: string): Promise<ShareResult>
  unshare (name: string): Promise<UnshareResult>
  status (): Promise<NodeSnapshot>
}

/** How many catalog results one search shows at most. */
export const DISCOVER_LIMIT = 200

/** A TuiApi over HTTP; each call asks the locator, so it follows a daemon that moved. */
export function createTuiApi (locator: DaemonLocator): TuiApi {
  const client = async (): Promise<DaemonClient> => new DaemonClient({ ...(await locator()), timeoutMs: 15_000 })
  const id = (value: string): string => encodeURIComponent(value)
  const modelPath = (name: string): string => name.split('/').map(encodeURIComponent).join('/')
  return {
    transfer: async t => await (await client()).get<TransferInfo>(`/api/v1/transfers/${id(t)}`),
    pause: async t => await (await client()).put<TransferInfo>(`/api/v1/transfers/${id(t)}/pause`),
    resume: async t => await (await client()).put<TransferInfo>(`/api/v1/transfers/${id(t)}/resume`),
    cancel: async t => { await (await client()).delete(`/api/v1/transfers/${id(t)}`) },
    download: async request => await (await client()).post<TransferInfo>('/api/v1/models/download', request),
    discover: async pattern => {
      const query = new URLSearchParams({ limit: String(DISCOVER_LIMIT) })
      if (pattern.trim() !== '') query.set('pattern', pattern.trim())
      return (await (await client()).get<{ results: DiscoveredModel[] }>(`/api/v1/discover?${query.toString()}`)).results
    },
    models: async () => (await (await client()).get<{ models: LocalModel[] }>('/api/v1/models')).models,
    share: async name => await (await client()).post<ShareResult>('/api/v1/models/share', { model: name }),
    unshare: async name => await (await client()).delete<UnshareResult>(`/api/v1/models/${modelPath(name)}`),
    status: async () => await (await client()).get<NodeSnapshot>('/api/v1/status')
  }
}

import type { DhtPeerInfo, DiscoveredModel, LocalModel, NodeSnapshot, ServerEvent } from '../api/types.js'
import type { TransferManager } from '../get/transfer-manager.js'
import type { SearchQuery } from '../catalog/search.js'
import type { ShareService } from '../share/share-service.js'

/** What the API needs of the node; the daemon passes the real node, tests may pass a fake. */
export interface ApiNode {
  snapshot (): NodeSnapshot
  listModels (): Promise<LocalModel[]>
  dhtNodes (): DhtPeerInfo[]
  torrentFile (name: string): Promise<Buffer | undefined>
  discover (query: SearchQuery, options: { refresh?: boolean }): Promise<DiscoveredModel[]>
  readonly share: Pick<ShareService, 'shareFolder' | 'shareUrl' | 'shareModel' | 'shareAll' | 'unshare'>
  readonly transfers: Pick<TransferManager, 'download' | 'list' | 'get' | 'pause' | 'resume' | 'cancel' | 'resolveId'>
  on (event: 'event', listener: (event: ServerEvent) => void): unknown
  off (event: 'event', listener: (event: ServerEvent) => void): unknown
}

export interface ApiContext {
  node: ApiNode
  /** Asks the daemon to stop after the response is sent. */
  shutdown (): void
}

import type { ServerEvent, TransferInfo } from '../api/types.js'

export interface CatalogSummary { entries: number, live: number, last_refresh: string | null }

/** The daemon's state as the event stream tells it; a plain object, so views render snapshots. */
export interface DaemonState {
  transfers: TransferInfo[]
  /** False until the stream's `hello` arrived: the list is not known yet. */
  loaded: boolean
  catalog: CatalogSummary | null
  lastError: { message: string, code: string, transfer_id?: string } | null
}

export const EMPTY_STATE: DaemonState = { transfers: [], loaded: false, catalog: null, lastError: null }

/** Folds server events into state; cheap per event, so a busy stream costs little between frames. */
export class TransferStore {
  readonly #transfers = new Map<string, TransferInfo>()
  #loaded = false
  #catalog: CatalogSummary | null = null
  #lastError: DaemonState['lastError'] = null

  apply (event: ServerEvent): void {
    switch (event.type) {
      case 'hello':
        this.#transfers.clear()
        for (const t of event.transfers) this.#transfers.set(t.id, t)
        this.#loaded = true
        break
      case 'transfer':
      case 'transfer-state':
        this.#transfers.set(event.transfer.id, event.transfer)
        break
      case 'transfer-removed':
        this.#transfers.delete(event.id)
        break
      case 'catalog':
        this.#catalog = { entries: event.entries, live: event.live, last_refresh: event.last_refresh }
        break
      case 'error':
        this.#lastError = { message: event.message, code: event.code, ...(event.transfer_id === undefined ? {} : { transfer_id: event.transfer_id }) }
        break
    }
  }

  /** Puts one transfer in at once, e.g. the answer to a pause, ahead of its event. */
  upsert (transfer: TransferInfo): void {
    this.#transfers.set(transfer.id, transfer)
  }

  snapshot (): DaemonState {
    return { transfers: [...this.#transfers.values()], loaded: this.#loaded, catalog: this.#catalog, lastError: this.#lastError }
  }
}

import { useEffect, useMemo, useState } from 'react'
import type { ServerEvent, TransferInfo } from '../api/types.js'
import type { StreamStatus } from '../cli/event-stream.js'
import { EMPTY_STATE, TransferStore, type DaemonState } from './transfer-store.js'

/** What the hook needs of an EventStream; tests hand in a fake. */
export interface EventSource {
  readonly status: StreamStatus
  onEvent (listener: (event: ServerEvent) => void): () => void
  onStatus (listener: (status: StreamStatus) => void): () => void
  /** Connects; called once the hook listens, so not even the first event is missed. */
  start? (): void
}

/** How often the transfers list re-renders at most while events pour in. */
export const FRAME_INTERVAL_MS = 500

export interface DaemonView extends DaemonState {
  status: StreamStatus
  /** Applies an API answer (pause, resume, get) before its event arrives. */
  upsert (transfer: TransferInfo): void
}

/**
 * The one hook over the event stream: events fold into a store at once, the view gets a fresh
 * snapshot at most every `intervalMs`. No timer runs while nothing happens, so an idle TUI sleeps.
 */
export function useDaemonState (source: EventSource, intervalMs = FRAME_INTERVAL_MS): DaemonView {
  const store = useMemo(() => new TransferStore(), [])
  const [state, setState] = useState<DaemonState>(EMPTY_STATE)
  const [status, setStatus] = useState<StreamStatus>(source.status)

  useEffect(() => {
    let timer: NodeJS.Timeout | undefined
    let lastFlush = 0
    const flush = (): void => {
      timer = undefined
      lastFlush = Date.now()
      setState(store.snapshot())
    }
    const schedule = (): void => {
      if (timer !== undefined) return
      timer = setTimeout(flush, Math.max(0, lastFlush + intervalMs - Date.now()))
    }
    const offEvent = source.onEvent(event => {
      store.apply(event)
      // The first full list shows at once; later changes wait for the next frame.
      if (event.type === 'hello') { clearTimeout(timer); flush() } else schedule()
    })
    const offStatus = source.onStatus(setStatus)
    setStatus(source.status)
    source.start?.()
    return () => { offEvent(); offStatus(); clearTimeout(timer) }
  }, [source, store, intervalMs])

  return {
    ...state,
    status,
    upsert: transfer => { store.upsert(transfer); setState(store.snapshot()) }
  }
}

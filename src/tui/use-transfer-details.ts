import { useEffect, useRef, useState } from 'react'
import type { TransferInfo } from '../api/types.js'
import type { TuiApi } from './api.js'

/** How often the details of an open transfer are fetched again at most, as its events arrive. */
export const DETAILS_INTERVAL_MS = 1000

/**
 * The full record of one transfer (files, peers, verification), fetched when opened and again
 * whenever the stream reports a change, at most once per interval.
 */
export function useTransferDetails (api: TuiApi, summary: TransferInfo, intervalMs = DETAILS_INTERVAL_MS): { details: TransferInfo | undefined, error: Error | undefined } {
  const [details, setDetails] = useState<TransferInfo>()
  const [error, setError] = useState<Error>()
  const last = useRef(0)
  useEffect(() => {
    let alive = true
    const fetch = (): void => {
      last.current = Date.now()
      api.transfer(summary.id).then(t => { if (alive) { setDetails(t); setError(undefined) } }, (err: unknown) => { if (alive) setError(err as Error) })
    }
    const wait = last.current + intervalMs - Date.now()
    if (wait <= 0) { fetch(); return () => { alive = false } }
    const timer = setTimeout(fetch, wait)
    return () => { alive = false; clearTimeout(timer) }
  }, [api, summary, intervalMs])
  return { details, error }
}

import { useCallback, useEffect, useRef, useState } from 'react'

export interface Polled<T> {
  data: T | undefined
  error: Error | undefined
  refresh (): void
}

/**
 * Fetches now and then every `intervalMs` while mounted (views poll only while shown); a slow
 * answer never overlaps the next request, and answers after unmount are dropped.
 */
export function usePoll<T> (fetch: () => Promise<T>, intervalMs: number): Polled<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<Error>()
  const fetchRef = useRef(fetch)
  fetchRef.current = fetch
  const alive = useRef(true)
  const timer = useRef<NodeJS.Timeout>()
  const inFlight = useRef(false)

  const run = useCallback(() => {
    if (inFlight.current || !alive.current) return
    clearTimeout(timer.current)
    inFlight.current = true
    fetchRef.current().then(value => {
      if (!alive.current) return
      setData(value)
      setError(undefined)
    }, (err: unknown) => {
      if (alive.current) setError(err instanceof Error ? err : new Error(String(err)))
    }).finally(() => {
      inFlight.current = false
      if (alive.current && intervalMs > 0) timer.current = setTimeout(run, intervalMs)
    })
  }, [intervalMs])

  useEffect(() => {
    alive.current = true
    run()
    return () => { alive.current = false; clearTimeout(timer.current) }
  }, [run])

  return { data, error, refresh: run }
}

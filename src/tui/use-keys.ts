import { useInput, type Key } from 'ink'
import { useCallback, useRef } from 'react'

/**
 * useInput with a handler that keeps its identity across renders: Ink re-subscribes whenever the
 * handler changes, and a key arriving between a render and its effects would be lost.
 */
export function useKeys (handler: (input: string, key: Key) => void, options: { isActive?: boolean } = {}): void {
  const latest = useRef(handler)
  latest.current = handler
  const stable = useCallback((input: string, key: Key) => { latest.current(input, key) }, [])
  useInput(stable, options)
}

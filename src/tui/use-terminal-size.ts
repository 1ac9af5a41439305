import { useStdout } from 'ink'
import { useEffect, useState } from 'react'

export interface TerminalSize { columns: number, rows: number }

const DEFAULT_SIZE: TerminalSize = { columns: 80, rows: 24 }

function sizeOf (stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns ?? DEFAULT_SIZE.columns, rows: stdout.rows ?? DEFAULT_SIZE.rows }
}

/** The terminal's size, updated on resize. */
export function useTerminalSize (): TerminalSize {
  const { stdout } = useStdout()
  const [size, setSize] = useState(() => sizeOf(stdout))
  useEffect(() => {
    const onResize = (): void => { setSize(sizeOf(stdout)) }
    stdout.on('resize', onResize)
    // A resize between the first render and this effect would be missed otherwise.
    onResize()
    return () => { stdout.off('resize', onResize) }
  }, [stdout])
  return size
}

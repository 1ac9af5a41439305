import { render } from 'ink-testing-library'
import type { ReactElement } from 'react'

export const KEYS = { up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', tab: '\t', shiftTab: '\u001B[Z', backspace: '\u007F', ctrlC: '\u0003' }

export interface Rendered {
  frame (): string
  /** How many frames Ink has written so far. */
  renders (): number
  /** Types keys one at a time, letting Ink handle each. */
  press (...keys: string[]): Promise<void>
  resize (columns: number, rows: number): void
  /** Waits until the frame satisfies `check` (bounded; fails with the last frame). */
  until (what: string, check: (frame: string) => boolean): Promise<string>
  unmount (): void
}

const tick = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 5)) }

/** Renders with ink-testing-library at a chosen terminal size (its stdout is 100 columns, no rows). */
export function renderAt (element: ReactElement, columns = 100, rows = 24): Rendered {
  const r = render(element)
  const resize = (c: number, h: number): void => {
    Object.defineProperty(r.stdout, 'columns', { value: c, configurable: true })
    Object.defineProperty(r.stdout, 'rows', { value: h, configurable: true })
    r.stdout.emit('resize')
  }
  resize(columns, rows)
  return {
    frame: () => r.lastFrame() ?? '',
    renders: () => r.frames.length,
    press: async (...keys) => { for (const k of keys) { r.stdin.write(k); await tick() } },
    resize,
    until: async (what, check) => {
      for (let i = 0; i < 1000; i++) {
        const f = r.lastFrame() ?? ''
        if (check(f)) return f
        await tick()
      }
      throw new Error(`the screen never showed ${what}; last frame:\n${r.lastFrame() ?? ''}`)
    },
    unmount: () => { r.unmount(); r.cleanup() }
  }
}

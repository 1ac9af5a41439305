import { AssertionError } from 'node:assert'
import type { TestContext } from 'node:test'

/** Anything that reports recoverable problems as 'warning' and fatal ones as 'error'. */
export interface ProblemSource {
  on (event: 'warning' | 'error', listener: (err: Error) => void): unknown
  removeListener (event: 'warning' | 'error', listener: (err: Error) => void): unknown
}

/** Collects every 'warning' and 'error' so a test can fail on them instead of crashing. */
export class UnexpectedEvents {
  readonly #seen: string[] = []

  /** Starts watching; returns a function that stops. */
  watch (source: ProblemSource, label: string): () => void {
    const onWarning = (err: Error): void => { this.#seen.push(`${label} warning: ${err.message}`) }
    const onError = (err: Error): void => { this.#seen.push(`${label} error: ${err.message}`) }
    source.on('warning', onWarning)
    source.on('error', onError)
    return () => {
      source.removeListener('warning', onWarning)
      source.removeListener('error', onError)
    }
  }

  get seen (): readonly string[] {
    return this.#seen
  }

  assertNone (): void {
    if (this.#seen.length === 0) return
    throw new AssertionError({ message: `unexpected events:\n  ${this.#seen.join('\n  ')}` })
  }
}

/** Fails `t` after it runs if any of the sources emitted 'warning' or 'error'. */
export function failOnUnexpectedEvents (t: TestContext, sources: Record<string, ProblemSource>): UnexpectedEvents {
  const events = new UnexpectedEvents()
  for (const [label, source] of Object.entries(sources)) events.watch(source, label)
  t.after(() => { events.assertNone() })
  return events
}

/** One line of feedback under the view: what an action did, or why it failed. */
export interface Notice { text: string, kind: 'info' | 'error' }

export type Notify = (notice: Notice) => void

export function errorNotice (what: string, err: unknown): Notice {
  return { text: `${what}: ${err instanceof Error ? err.message : String(err)}`, kind: 'error' }
}

/** Why `silmaril tui` will not start off a terminal, and what to use instead. */
export const NOT_A_TERMINAL = 'silmaril tui needs a terminal; in scripts and pipes use the plain commands: ' +
  '"silmaril transfers", "silmaril discover <words>", "silmaril list" and "silmaril daemon status" (each with --json)'

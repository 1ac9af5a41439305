import createDebug from 'debug'

export type Logger = createDebug.Debugger

/** A `debug` logger in the `silmaril:<area>` namespace; enable with DEBUG=silmaril:*. */
export function logger (area: string): Logger {
  return createDebug(`silmaril:${area}`)
}

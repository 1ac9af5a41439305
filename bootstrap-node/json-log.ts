export type LogLevel = 'info' | 'warn' | 'error'

export type JsonLog = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void

/** One JSON object per line, for log collectors: `{"time","level","event",...fields}`. */
export function jsonLog (stream: NodeJS.WritableStream = process.stderr): JsonLog {
  return (level, event, fields = {}) => {
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, event, ...fields })}\n`)
  }
}

export function errorFields (err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code
    return code === undefined ? { message: err.message } : { message: err.message, code }
  }
  return { message: String(err) }
}

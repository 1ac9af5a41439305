/** Every failure a user or a client can meet has one of these codes; they survive the REST hop. */
export type ErrorCode =
  | 'usage'
  | 'config_invalid'
  | 'not_found'
  | 'already_running'
  | 'daemon_unreachable'
  | 'daemon_start_failed'
  | 'unauthorized'
  | 'bad_request'
  | 'not_implemented'
  | 'conflict'
  | 'io'
  | 'network'
  | 'verification_failed'
  | 'policy'
  | 'interrupted'
  | 'internal'

/** Exit codes of the CLI, by error code (STYLE.md): 1 failure, 2 usage, 3 daemon unreachable, 4 not found, 130 interrupted. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  config_invalid: 2,
  not_found: 4,
  already_running: 1,
  daemon_unreachable: 3,
  daemon_start_failed: 3,
  unauthorized: 1,
  bad_request: 2,
  not_implemented: 1,
  conflict: 1,
  io: 1,
  network: 1,
  verification_failed: 1,
  policy: 1,
  interrupted: 130,
  internal: 1
}

/** HTTP status for each code when the daemon answers with it. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  usage: 400,
  config_invalid: 400,
  not_found: 404,
  already_running: 409,
  daemon_unreachable: 503,
  daemon_start_failed: 503,
  unauthorized: 401,
  bad_request: 400,
  not_implemented: 501,
  conflict: 409,
  io: 500,
  network: 502,
  verification_failed: 422,
  policy: 403,
  interrupted: 499,
  internal: 500
}

const CODES = new Set(Object.keys(EXIT_CODES))

export function isErrorCode (value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value)
}

export class SilmarilError extends Error {
  readonly code: ErrorCode
  /** Extra facts for clients (e.g. the file and line of a config error). */
  readonly details: Record<string, unknown> | undefined

  constructor (code: ErrorCode, message: string, options: { cause?: unknown, details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SilmarilError'
    this.code = code
    this.details = options.details
  }

  get exitCode (): number { return EXIT_CODES[this.code] }
  get httpStatus (): number { return HTTP_STATUS[this.code] }

  toJSON (): { code: ErrorCode, message: string, details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }

  static usage (message: string): SilmarilError { return new SilmarilError('usage', message) }
  static notFound (message: string): SilmarilError { return new SilmarilError('not_found', message) }
  static badRequest (message: string): SilmarilError { return new SilmarilError('bad_request', message) }
  static notImplemented (feature: string): SilmarilError {
    return new SilmarilError('not_implemented', `${feature} is not available in this version of Silmaril yet`)
  }

  static configInvalid (file: string, line: number | undefined, key: string, problem: string): SilmarilError {
    const where = line === undefined ? file : `${file}:${line}`
    return new SilmarilError('config_invalid', `${where}: ${key === '' ? '' : `${key}: `}${problem}`, {
      details: { file, line, key }
    })
  }

  static io (message: string, cause?: unknown): SilmarilError { return new SilmarilError('io', message, { cause }) }

  /** Wraps anything thrown into a SilmarilError, keeping codes that already exist. */
  static from (err: unknown): SilmarilError {
    if (err instanceof SilmarilError) return err
    if (err instanceof Error) return new SilmarilError('internal', err.message, { cause: err })
    return new SilmarilError('internal', String(err))
  }
}

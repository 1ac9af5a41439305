import { SilmarilError } from '../../errors.js'

/** The file's bytes are not a valid header of the format; the message is the reason shown to users. */
export function malformed (reason: string): SilmarilError {
  return new SilmarilError('bad_request', reason)
}

/**
 * An `io` error that names the errno code but not the local path: reasons end up in signed
 * manifests that other people read.
 */
export function ioError (what: string, err: unknown): SilmarilError {
  const code = (err as { code?: unknown } | null)?.code
  return SilmarilError.io(`${what}: ${typeof code === 'string' ? code : 'unknown error'}`, err)
}

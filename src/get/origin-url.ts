import { SilmarilError } from '../errors.js'

const HF_HOSTS = new Set(['huggingface.co', 'www.huggingface.co', 'hf.co'])
/** `<org>/<name>` or a legacy `<name>`, optionally under `datasets/` or `spaces/` (after `.git` and trailing slashes are cut). */
const HF_REPO_PATH = /^\/((?:(?:datasets|spaces)\/)?[\w.-]+(?:\/[\w.-]+)?)$/
const DEFAULT_REVISION = 'main'

/**
 * Maps a manifest's `source` to the HTTP(S) URL of each file, by its path inside the torrent
 * (posix, without the torrent name):
 *
 * - A Hugging Face repository URL (`https://huggingface.co/<org>/<name>`, optionally with `.git`
 *   or a trailing slash; also `hf.co`, legacy one-part names and `datasets/` or `spaces/` repos)
 *   maps to `https://huggingface.co/<repo>/resolve/<revision>/<path>`, where the revision is
 *   `source.commit` or else `main`.
 * - Any other `http:` or `https:` URL is a web folder: `<url without trailing slash>/<path>`,
 *   keeping its query string.
 *
 * Each path segment and the revision are percent-encoded. Other URLs (`git@…`, `ssh://`,
 * `file:`), URLs with credentials, and paths with empty, `.` or `..` segments throw a
 * `bad_request` error.
 */
export function originFileUrl (source: { url: string, commit?: string }): (path: string) => string {
  const base = parseOrigin(source.url)
  const repo = HF_HOSTS.has(base.hostname) ? HF_REPO_PATH.exec(base.pathname.replace(/\/+$/, '').replace(/\.git$/, ''))?.[1] : undefined
  const query = base.search
  const prefix = repo === undefined
    ? `${base.origin}${base.pathname.replace(/\/+$/, '')}/`
    : `https://huggingface.co/${repo}/resolve/${encodeURIComponent(source.commit ?? DEFAULT_REVISION)}/`
  return (path: string) => `${prefix}${encodePath(path, source.url)}${repo === undefined ? query : ''}`
}

function parseOrigin (url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw SilmarilError.badRequest(`the origin URL "${url}" is not an http(s) URL; only http:// and https:// origins can serve files`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw SilmarilError.badRequest(`the origin URL "${url}" is not an http(s) URL; only http:// and https:// origins can serve files`)
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw SilmarilError.badRequest(`the origin URL "${parsed.protocol}//${parsed.host}${parsed.pathname}" carries credentials; origins are fetched without them`)
  }
  return parsed
}

function encodePath (path: string, url: string): string {
  const segments = path.split('/')
  if (segments.some(segment => segment === '' || segment === '.' || segment === '..')) {
    throw SilmarilError.badRequest(`"${path}" is not a relative file path under the origin ${url}`)
  }
  return segments.map(encodeURIComponent).join('/')
}

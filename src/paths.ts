import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Where a node keeps each kind of file under its data dir. */
export interface DataLayout {
  root: string
  models: string
  staging: string
  db: string
  identityKey: string
  apiToken: string
  pidFile: string
  daemonInfo: string
  logFile: string
}

export function dataLayout (root: string): DataLayout {
  const dir = resolve(root)
  return {
    root: dir,
    models: join(dir, 'models'),
    staging: join(dir, 'staging'),
    db: join(dir, 'db'),
    identityKey: join(dir, 'identity.key'),
    apiToken: join(dir, 'api-token'),
    pidFile: join(dir, 'daemon.pid'),
    daemonInfo: join(dir, 'daemon.json'),
    logFile: join(dir, 'daemon.log')
  }
}

/** Expands a leading `~` the way a shell would. */
export function expandHome (path: string, home: string = homedir()): string {
  if (path === '~') return home
  if (path.startsWith('~/')) return join(home, path.slice(2))
  return path
}

export function defaultDataDir (home: string = homedir()): string {
  return join(home, '.silmaril')
}

export function defaultConfigFile (env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env['XDG_CONFIG_HOME']
  const base = xdg !== undefined && xdg !== '' ? xdg : join(home, '.config')
  return join(base, 'silmaril', 'config.yaml')
}

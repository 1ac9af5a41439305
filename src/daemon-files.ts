import { readFileSync } from 'node:fs'
import { link, open, readFile, rm, writeFile, rename } from 'node:fs/promises'
import { SilmarilError } from './errors.js'

/** What a running daemon tells clients about itself, in `<data>/daemon.json`. */
export interface DaemonInfo {
  pid: number
  url: string
  version: string
  started_at: string
  /**
   * The process's start in clock ticks since boot (`/proc/<pid>/stat`): a pid can be reused after
   * a crash, the pair never is. Absent where there is no /proc, and in files of older versions.
   */
  pid_start?: number
}

const SECRET_FILE_MODE = 0o600

/**
 * True while `pid` runs (and is not a zombie). With `start` (see `processStart`), also only while
 * it is the same process: after a crash or a reboot another program may have been given the pid.
 */
export function isProcessAlive (pid: number, start?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = procStat(pid)
  if (stat === undefined) return true
  // An exited daemon stays a zombie until its reaper collects it; signal 0 still reaches it.
  if (stat[0] === 'Z') return false
  return start === undefined || Number(stat[STARTTIME_FIELD]) === start
}

/** When `pid` started, in clock ticks since boot; undefined where there is no /proc. */
export function processStart (pid: number): number | undefined {
  const start = Number(procStat(pid)?.[STARTTIME_FIELD])
  return Number.isSafeInteger(start) ? start : undefined
}

/** Field 22 of /proc/<pid>/stat, counted from field 3 (the state), which follows the command name. */
const STARTTIME_FIELD = 22 - 3

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function procStat (pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

export async function readDaemonInfo (file: string): Promise<DaemonInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as Partial<DaemonInfo>
    if (typeof info.pid !== 'number' || typeof info.url !== 'string') return undefined
    return info as DaemonInfo
  } catch {
    return undefined
  }
}

/** The daemon's info when its process is still alive; stale files from a crash are ignored. */
export async function liveDaemonInfo (file: string): Promise<DaemonInfo | undefined> {
  const info = await readDaemonInfo(file)
  return info !== undefined && isProcessAlive(info.pid, info.pid_start) ? info : undefined
}

/**
 * The pid in the pid file when that process still runs. daemon.json, when it names the same pid,
 * tells its start, so a pid reused by another program after a crash does not count.
 */
export async function livePidFromFile (pidFile: string, infoFile: string): Promise<number | undefined> {
  const pid = await readPidFile(pidFile)
  if (pid === undefined) return undefined
  const info = await readDaemonInfo(infoFile)
  return isProcessAlive(pid, info?.pid === pid ? info.pid_start : undefined) ? pid : undefined
}

export async function writeFileAtomic (file: string, data: string, mode = 0o644): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, data, { mode })
  await rename(temp, file)
}

export async function readPidFile (file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/**
 * Takes the one-daemon-per-data-dir lock: creates the pid file exclusively, replacing it only
 * when the process it names is gone. Throws `already_running` naming the live pid.
 */
export async function acquirePidLock (file: string, infoFile: string, dataDir: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644)
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      return
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw SilmarilError.io(`cannot write the pid file ${file}`, err)
    }
    const pid = await livePidFromFile(file, infoFile)
    if (pid !== undefined && pid !== process.pid) {
      throw new SilmarilError('already_running', `a daemon is already running for ${dataDir} (pid ${pid}); stop it with "silmaril daemon stop"`, { details: { pid } })
    }
    await rm(file, { force: true })
  }
  throw new SilmarilError('already_running', `another daemon is starting for ${dataDir}`)
}

export async function releasePidLock (file: string): Promise<void> {
  if (await readPidFile(file) === process.pid) await rm(file, { force: true })
}

export async function readToken (file: string): Promise<string | undefined> {
  try {
    const token = (await readFile(file, 'utf8')).trim()
    return token === '' ? undefined : token
  } catch {
    return undefined
  }
}

/** Reads the API token, creating a random one (mode 0600) when there is none. */
export async function loadOrCreateToken (file: string): Promise<string> {
  const existing = await readToken(file)
  if (existing !== undefined) return existing
  // Web Crypto, loaded on first use: importing node:crypto costs every CLI command ~3 ms.
  const token = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, `${token}\n`, { mode: SECRET_FILE_MODE })
  try {
    await link(temp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw SilmarilError.io(`cannot write the API token ${file}`, err)
    const raced = await readToken(file)
    if (raced !== undefined) return raced
  } finally {
    await rm(temp, { force: true })
  }
  return token
}

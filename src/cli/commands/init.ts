import { access, mkdir, readFile, readdir, rm } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseDocument } from 'yaml'
import { renderConfig } from '../../config/render.js'
import { loadOrCreateToken, writeFileAtomic } from '../../daemon-files.js'
import { SilmarilError } from '../../errors.js'
import { loadIdentity } from '../../identity.js'
import { dataLayout, expandHome } from '../../paths.js'
import type { CliContext } from '../context.js'
import { stopDaemon } from '../daemon-control.js'

export interface InitArgs {
  path?: string
  cleanup?: boolean
  yes?: boolean
}

const exists = async (path: string): Promise<boolean> => await access(path).then(() => true, () => false)

export async function init (ctx: CliContext, args: InitArgs): Promise<void> {
  if (args.path !== undefined) ctx.withOverrides({ 'storage.base_dir': resolve(expandHome(args.path)) })
  if (args.cleanup === true) { await cleanup(ctx, args); return }

  const resolved = await ctx.config()
  const dataDir = args.path !== undefined ? resolve(expandHome(args.path)) : resolved.dataDir
  const layout = dataLayout(dataDir)
  await mkdir(layout.root, { recursive: true, mode: 0o700 })
  await mkdir(layout.models, { recursive: true })
  const hadIdentity = await exists(layout.identityKey)
  const identity = await loadIdentity(layout.identityKey, { create: true })
  await loadOrCreateToken(layout.apiToken)
  const configCreated = await writeConfig(resolved.configFile, resolved.configFileExists, dataDir, args.path !== undefined, resolved.config)

  if (ctx.out.json) {
    ctx.out.dataJson({
      data_dir: dataDir,
      config_file: resolved.configFile,
      publisher: identity.publisherId,
      fingerprint: identity.fingerprint,
      created: { identity: !hadIdentity, config: configCreated }
    })
    return
  }
  ctx.out.info(hadIdentity ? `Silmaril is already initialized in ${dataDir}` : `initialized Silmaril in ${dataDir}`)
  ctx.out.info(`config:    ${resolved.configFile}${configCreated ? ' (created)' : ''}`)
  ctx.out.info(`publisher: ${identity.fingerprint} (${identity.publisherId})`)
  ctx.out.info('next: "silmaril daemon start", then "silmaril share <path> --license <id>" or "silmaril discover"')
}

async function writeConfig (file: string, fileExists: boolean, dataDir: string, pathGiven: boolean, config: Parameters<typeof renderConfig>[0]): Promise<boolean> {
  if (!fileExists) {
    await mkdir(dirname(file), { recursive: true })
    await writeFileAtomic(file, renderConfig({ ...config, storage: { base_dir: dataDir } }))
    return true
  }
  if (pathGiven) {
    const doc = parseDocument(await readFile(file, 'utf8'))
    doc.setIn(['storage', 'base_dir'], dataDir)
    await writeFileAtomic(file, doc.toString())
  }
  return false
}

/** Marks that make a folder recognisably a Silmaril data dir; cleanup refuses any other folder. */
const DATA_DIR_MARKS = ['identity.key', 'api-token', 'models', 'db', 'daemon.log']

async function cleanup (ctx: CliContext, args: InitArgs): Promise<void> {
  const resolved = await ctx.config()
  const dataDir = args.path !== undefined ? resolve(expandHome(args.path)) : resolved.dataDir
  const present = await exists(dataDir)
  if (present) {
    const entries = await readdir(dataDir)
    if (entries.length > 0 && !DATA_DIR_MARKS.some(mark => entries.includes(mark))) {
      throw SilmarilError.usage(`${dataDir} does not look like a Silmaril data dir (no identity.key or models/); refusing to delete it`)
    }
  }
  if (args.yes !== true) {
    if (process.stdin.isTTY !== true) throw SilmarilError.usage('init --cleanup deletes the data dir and every model in it; add --yes to confirm')
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    const answer = await rl.question(`Delete ${dataDir} with all its models, and ${resolved.configFile}? [y/N] `)
    rl.close()
    if (!/^y(es)?$/i.test(answer.trim())) throw new SilmarilError('interrupted', 'cleanup cancelled; nothing was deleted')
  }
  const stopped = present ? await stopDaemon(ctx) : undefined
  if (present) await rm(dataDir, { recursive: true, force: true })
  const configRemoved = resolved.configFileExists
  if (configRemoved) await rm(resolved.configFile, { force: true })
  if (ctx.out.json) {
    ctx.out.dataJson({ removed: { data_dir: present ? dataDir : null, config_file: configRemoved ? resolved.configFile : null }, daemon_stopped: stopped !== undefined })
    return
  }
  if (stopped !== undefined) ctx.out.info(`stopped the daemon (pid ${stopped.pid})`)
  ctx.out.info(present ? `removed ${dataDir}` : `nothing to remove at ${dataDir}`)
  if (configRemoved) ctx.out.info(`removed ${resolved.configFile}`)
}

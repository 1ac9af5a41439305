import yargs, { type Argv } from 'yargs'
import { hideBin } from 'yargs/helpers'
import { SilmarilError } from '../errors.js'
import { VERSION } from '../version.js'
import { CliContext, type GlobalArgs } from './context.js'
import { createOutput } from './output.js'

type Handler<A> = (ctx: CliContext, args: A) => Promise<void>

/** Runs a command with a fresh context; every failure becomes a message and an exit code. */
function run<A> (load: () => Promise<Handler<A>>): (argv: GlobalArgs & A) => Promise<void> {
  return async argv => {
    const ctx = new CliContext({ json: argv.json, home: argv.home, config: argv.config }, createOutput(argv.json === true))
    try {
      const handler = await load()
      await handler(ctx, argv)
    } catch (err) {
      const error = SilmarilError.from(err)
      ctx.out.error(error)
      if (error.code === 'internal' && process.env['DEBUG'] !== undefined) console.error(err)
      process.exitCode = error.exitCode
    }
  }
}

const EXAMPLES = `Examples:
  silmaril init                                 create the data dir, keys and config
  silmaril daemon start                         run the node in the background
  silmaril daemon status --json                 the daemon's state as JSON
  silmaril share ./my-model --license mit       sign, make a hybrid torrent, seed
  silmaril discover llama                       search the network catalog
  silmaril get acme/llama-3-8b                  download, verify, install and seed a model
  silmaril transfers                            downloads and seeds, with pause/resume/cancel
  silmaril list                                 local models
  silmaril tui                                  live transfers, search, models and network

Environment: SILMARIL_HOME (data dir), SILMARIL_CONFIG (config file), SILMARIL_DAEMON_URL,
SILMARIL_TOKEN, and SILMARIL_<SECTION>_<KEY> for any config key (e.g. SILMARIL_DAEMON_PORT).
Exit codes: 0 ok, 1 failure, 2 usage, 3 daemon unreachable, 4 not found, 130 interrupted.`

function daemonCommands (y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y
    .usage('Usage: silmaril daemon <start|status|stop> [options]')
    .command('start', 'start the daemon in the background', b => b
      .option('port', { type: 'number', describe: 'REST API port (0 = random; overrides daemon.port)' })
      .option('bind', { type: 'string', describe: 'REST API address (overrides daemon.bind_address)' })
      .option('listen-port', { type: 'number', describe: 'peer and DHT port (0 = random)' })
      .option('bootstrap', { type: 'string', array: true, describe: 'DHT bootstrap node host:port (repeatable)' })
      .option('dht', { type: 'boolean', describe: 'join the DHT (--no-dht to stay off it)' })
      .example('silmaril daemon start --port 9000', ''),
    run(async () => (await import('./commands/daemon.js')).daemonStart))
    .command('status', 'show whether the daemon runs, and its state', b => b, run(async () => (await import('./commands/daemon.js')).daemonStatus))
    .command('stop', 'stop the daemon', b => b, run(async () => (await import('./commands/daemon.js')).daemonStop))
    .demandCommand(1, 'name an action: start, status or stop')
}

export async function main (argv: string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    process.stdout.write(`${VERSION}\n`)
    return
  }
  let interrupted = false
  process.once('SIGINT', () => {
    if (interrupted) process.exit(130)
    interrupted = true
    process.exitCode = 130
    process.stderr.write('\ninterrupted\n')
    process.exit(130)
  })

  const parser: Argv<GlobalArgs> = yargs(argv)
    .scriptName('silmaril')
    .usage('Usage: silmaril <command> [options]\n\nShare and discover AI models over BitTorrent.')
    .option('json', { type: 'boolean', describe: 'print machine-readable JSON on stdout', global: true })
    .option('home', { type: 'string', describe: 'data dir (default ~/.silmaril, or SILMARIL_HOME)', global: true })
    .option('config', { type: 'string', describe: 'config file (default ~/.config/silmaril/config.yaml, or SILMARIL_CONFIG)', global: true })
    .command('init', 'set up the data dir, publisher key and config', b => b
      .option('path', { type: 'string', describe: 'put the data dir here (recorded in the config)' })
      .option('cleanup', { type: 'boolean', describe: 'remove Silmaril: the data dir with all its models, and the config' })
      .option('yes', { type: 'boolean', alias: 'y', describe: 'do not ask before --cleanup deletes' })
      .example('silmaril init --path /data/silmaril', ''),
    run(async () => (await import('./commands/init.js')).init))
    .command('daemon', 'start, stop or inspect the background daemon', daemonCommands)
    .command('share [target]', 'share a model folder, a repository URL or a local model', b => b
      .positional('target', { type: 'string', describe: 'a folder, a git URL, or a local model name' })
      .option('all', { type: 'boolean', describe: 'share every local model, downloaded ones included' })
      .option('name', { type: 'string', describe: 'org/model (default: <org>/<folder name>)' })
      .option('license', { type: 'string', describe: 'license id, e.g. mit or apache-2.0 (required the first time)' })
      .option('version', { type: 'string', describe: 'revision (default main)' })
      .option('tags', { type: 'string', array: true, describe: 'tags, comma-separated or repeated' })
      .option('description', { type: 'string', describe: 'one or two sentences about the model' })
      .option('source-url', { type: 'string', describe: 'where the files can also be fetched over HTTP(S) (a Hugging Face repo or a web folder)' })
      .option('piece-length', { type: 'string', describe: 'torrent piece size, e.g. 4MiB (default: from the total size)' })
      .option('skip-dht', { type: 'boolean', describe: 'seed without announcing on the DHT' })
      .option('sign', { type: 'boolean', default: undefined, describe: 'sign the manifest (--no-sign to skip)' })
      .option('monitor', { type: 'boolean', describe: 'after sharing, watch peers and upload until Ctrl-C' })
      .option('branch', { type: 'string', describe: 'git branch to clone (default: the repository default)' })
      .option('depth', { type: 'number', default: 1, describe: 'git clone depth (0 = full history)' })
      .option('skip-lfs', { type: 'boolean', describe: 'do not fetch Git LFS files' })
      .example('silmaril share ./my-model --license mit', 'name defaults to <org>/my-model')
      .example('silmaril share ./llama --name meta/llama-3-8b --license llama3 --tags chat,8b', '')
      .example('silmaril share https://huggingface.co/org/model --license apache-2.0', 'clone and share')
      .example('silmaril share --all', 're-seed every local model'),
    run(async () => (await import('./commands/share.js')).share))
    .command('discover [pattern]', 'search the network catalog', b => b
      .positional('pattern', { type: 'string', describe: 'words to find in names, tags and descriptions' })
      .option('tag', { type: 'string', describe: 'only models with this tag' })
      .option('license', { type: 'string', describe: 'only models under this license' })
      .option('format', { type: 'string', describe: 'only this format: safetensors, gguf, …' })
      .option('publisher', { type: 'string', describe: 'only this publisher (hex id or fingerprint prefix)' })
      .option('refresh', { type: 'boolean', describe: 'ask the network first instead of answering from the cache' })
      .option('limit', { type: 'number', describe: 'at most this many results' })
      .example('silmaril discover llama', '')
      .example('silmaril discover --tag gguf --license apache-2.0 --json', ''),
    run(async () => (await import('./commands/discover.js')).discover))
    .command('get <ref>', 'download a model, verify it, install it and keep seeding it', b => b
      .positional('ref', { type: 'string', demandOption: true, describe: 'org/model[@revision], a magnet link, or an infohash' })
      .option('revision', { type: 'string', describe: 'this revision (default: the newest)' })
      .option('publisher', { type: 'string', describe: 'from this publisher (hex id or fingerprint prefix)' })
      .option('include', { type: 'string', array: true, describe: 'only files matching these globs, e.g. "*Q4_K_M*.gguf"' })
      .option('exclude', { type: 'string', array: true, describe: 'skip files matching these globs' })
      .option('output', { type: 'string', describe: 'install into this folder (default <data>/models/<org>/<name>)' })
      .option('accept-license', { type: 'boolean', describe: 'accept a license that policy.accept_licenses does not list' })
      .option('detach', { type: 'boolean', describe: 'return at once with the transfer id' })
      .example('silmaril get acme/llama-3-8b', '')
      .example('silmaril get acme/llama-gguf --include "*Q4_K_M*"', 'one quantization only')
      .example('silmaril get "magnet:?xt=urn:btih:…"', ''),
    run(async () => (await import('./commands/get.js')).get))
    .command('transfers [action] [id]', 'list, show, pause, resume or cancel transfers', b => b
      .positional('action', { type: 'string', choices: ['list', 'show', 'pause', 'resume', 'cancel'], describe: 'what to do (default list)' })
      .positional('id', { type: 'string', describe: 'a transfer id (a unique prefix is enough)' })
      .option('all', { type: 'boolean', describe: 'with pause or resume: every transfer' })
      .example('silmaril transfers', '')
      .example('silmaril transfers pause 3f2a9c', ''),
    run(async () => (await import('./commands/transfers.js')).transfers))
    .command('unshare <model>', 'stop sharing a model and withdraw it from the catalog', b => b
      .positional('model', { type: 'string', demandOption: true, describe: 'org/name of a local model' })
      .option('delete', { type: 'boolean', describe: 'also delete its files (only models inside the data dir)' })
      .example('silmaril unshare acme/tiny-llama', ''),
    run(async () => (await import('./commands/unshare.js')).unshare))
    .command('list', 'list local models', b => b, run(async () => (await import('./commands/list.js')).list))
    .command('tui', 'the terminal UI: live transfers, discover, local models, network', b => b
      .example('silmaril tui', 'keys: 1-4 views, ↑↓ move, Enter details, p pause, x cancel, / filter, ? help, q quit'),
    run(async () => (await import('./commands/tui.js')).tui))
    .command('help', 'show this help', b => b, () => { parser.showHelp('log') })
    .demandCommand(1, 'name a command; "silmaril help" lists them')
    .epilogue(EXAMPLES)
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    // `--version` names a model revision (share); the program's version is `silmaril --version` alone.
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .fail((message, err, y) => {
      if (err instanceof SilmarilError) throw err
      const text = message ?? err?.message ?? 'invalid arguments'
      process.stderr.write(`silmaril: ${text}\n\nRun "silmaril help" (or add --help to a command) for usage.\n`)
      void y
      process.exit(2)
    })

  skipHelpCache(parser)
  await parser.parseAsync()
}

/**
 * yargs renders a command's whole help as soon as its handler starts (~4 ms on every command), so
 * that a failing handler can show it. Ours never does: `fail` prints the error alone.
 */
function skipHelpCache (parser: Argv<GlobalArgs>): void {
  const internals = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.()
  const usage = internals?.getUsageInstance?.()
  if (usage?.cacheHelpMessage !== undefined) usage.cacheHelpMessage = () => {}
}

void main(hideBin(process.argv))

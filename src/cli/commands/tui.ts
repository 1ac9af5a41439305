import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { fileURLToPath } from 'node:url'
import { SilmarilError } from '../../errors.js'
import { dataLayout } from '../../paths.js'
import { NOT_A_TERMINAL } from '../../tui/messages.js'
import type { CliContext } from '../context.js'


/**
 * Runs the Ink TUI (dist/src/tui/main.js) in a child process that inherits the terminal: Ink is
 * ESM with top-level await and cannot join this CommonJS bundle. This side resolves the config,
 * starts the daemon when allowed, and tells the child where to find the daemon again.
 */
export async function tui (ctx: CliContext): Promise<void> {
  if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) throw SilmarilError.usage(NOT_A_TERMINAL)
  const client = await ctx.daemon()
  const { dataDir } = await ctx.config()
  const layout = dataLayout(dataDir)
  const fixedUrl = ctx.env['SILMARIL_DAEMON_URL'] !== undefined && ctx.env['SILMARIL_DAEMON_URL'] !== ''
  const args = ['--url', client.url, '--token-file', layout.apiToken, ...(fixedUrl ? [] : ['--daemon-info', layout.daemonInfo])]
  const entry = fileURLToPath(new URL('../../tui/main.js', import.meta.url))
  const child = spawn(process.execPath, [entry, ...args], { stdio: 'inherit', env: ctx.env })
  // The child owns the terminal: Ctrl-C is its key to handle; signals meant for us go on to it.
  process.removeAllListeners('SIGINT')
  process.on('SIGINT', () => {})
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => { child.kill(signal) })
  process.exitCode = await new Promise<number>((resolve, reject) => {
    child.once('error', err => { reject(new SilmarilError('internal', `cannot start the TUI (${entry}): ${err.message}`, { cause: err })) })
    child.once('exit', (code, signal) => { resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal])) })
  })
}

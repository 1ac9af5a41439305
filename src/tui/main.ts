import { parseArgs } from 'node:util'
import { colorAllowed } from './theme.js'

/**
 * The TUI's own entry, run by `silmaril tui` as a child process: Ink and yoga are ES modules with
 * top-level await, which cannot join the CLI's CommonJS bundle. The CLI resolves the config and
 * the daemon, and passes where to find it again:
 *   node dist/src/tui/main.js --url <url> [--daemon-info <daemon.json>] [--token-file <api-token>]
 * A token in SILMARIL_TOKEN wins over the file.
 */
const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'daemon-info': { type: 'string' },
    'token-file': { type: 'string' }
  },
  strict: true
})

if (values.url === undefined) {
  process.stderr.write('silmaril: the TUI is started by "silmaril tui"\n')
  process.exit(2)
}
// The TUI runs only in a terminal (the CLI checks), so what Ink and chalk guess from the environment
// must not apply: with CI or any CI_* variable set, Ink would draw nothing until exit and chalk would
// drop colour. Colour depends on NO_COLOR alone. Both read the environment when first imported.
if (process.stdout.isTTY) {
  process.env['CI'] = 'false'
  if (colorAllowed(process.env) && process.env['FORCE_COLOR'] === undefined) process.env['FORCE_COLOR'] = '1'
}
const { runTui } = await import('./run.js')
const token = process.env['SILMARIL_TOKEN']
const code = await runTui({
  url: values.url,
  token: token === undefined || token === '' ? undefined : token,
  daemonInfo: values['daemon-info'],
  tokenFile: values['token-file']
})
// The user quit: leave now, whatever sockets or timers are still winding down.
process.exit(code)

import { parseArgs } from 'node:util'
import { runTui } from './run.js'

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
const token = process.env['SILMARIL_TOKEN']
const code = await runTui({
  url: values.url,
  token: token === undefined || token === '' ? undefined : token,
  daemonInfo: values['daemon-info'],
  tokenFile: values['token-file']
})
// The user quit: leave now, whatever sockets or timers are still winding down.
process.exit(code)

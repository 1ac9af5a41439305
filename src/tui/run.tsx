import { render } from 'ink'
import { createTuiApi } from './api.js'
import { App } from './App.js'
import { Interrupted } from './interrupted.js'
import { EventStream } from '../cli/event-stream.js'
import { createLocator, type LocatorInit } from '../cli/locator.js'
import { NOT_A_TERMINAL } from './messages.js'
import { colorAllowed } from './theme.js'

/** Switches to the terminal's alternate screen, as full-screen programs do, and back on exit. */
const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H'
const LEAVE_ALT_SCREEN = '\x1b[?1049l'
const SHOW_CURSOR = '\x1b[?25h'


export interface RunTuiOptions extends LocatorInit {
  env?: NodeJS.ProcessEnv
}

/** Runs the TUI until the user quits; resolves with the exit code. The terminal is restored however it ends. */
export async function runTui (options: RunTuiOptions): Promise<number> {
  const { stdout, stdin, stderr } = process
  if (stdout.isTTY !== true || stdin.isTTY !== true) {
    stderr.write(`silmaril: ${NOT_A_TERMINAL}\n`)
    return 2
  }
  const locator = createLocator(options)
  const events = new EventStream({ locator })
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    stdout.write(`${SHOW_CURSOR}${LEAVE_ALT_SCREEN}`)
  }
  // Whatever ends the process (a crash, a signal) must not leave the terminal in the alternate screen.
  process.once('exit', restore)
  stdout.write(ENTER_ALT_SCREEN)
  // Ctrl-C is the app's (see Interrupted), so that it exits 130 rather than 0.
  const instance = render(<App api={createTuiApi(locator)} events={events} color={colorAllowed(options.env ?? process.env)} />, { exitOnCtrlC: false, patchConsole: true })
  const stop = (): void => { instance.unmount() }
  process.once('SIGTERM', stop)
  process.once('SIGHUP', stop)
  let code = 0
  try {
    await instance.waitUntilExit()
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err
    code = 130
  } finally {
    events.stop()
    process.off('SIGTERM', stop)
    process.off('SIGHUP', stop)
    instance.cleanup()
    restore()
  }
  return code
}

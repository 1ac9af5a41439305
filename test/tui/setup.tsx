import type { TransferInfo } from '../../src/api/types.js'
import { App, type AppProps } from '../../src/tui/App.js'
import { NOW, TRANSFERS } from '../helpers/tui-fixtures.js'
import { FakeEvents, fakeApi, type FakeApi } from '../helpers/tui-fakes.js'
import { renderAt, type Rendered } from '../helpers/tui-render.js'

export interface Harness extends Rendered {
  api: FakeApi
  events: FakeEvents
  /** Sends the daemon's `hello` with these transfers (the fixtures by default). */
  hello (transfers?: TransferInfo[]): Promise<void>
}

/** The whole app over fake daemon parts, waiting until it listens to the event stream. */
export async function renderApp (options: { columns?: number, rows?: number, hello?: TransferInfo[] | false } & Partial<AppProps> = {}): Promise<Harness> {
  const events = new FakeEvents()
  let current = options.hello === false ? [] : options.hello ?? TRANSFERS
  const api = fakeApi(() => current)
  const r = renderAt(<App api={api} events={events} frameIntervalMs={0} pollMs={0} debounceMs={0} now={() => NOW} {...options} />, options.columns ?? 120, options.rows ?? 24)
  for (let i = 0; i < 200 && events.listeners === 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
  const hello = async (transfers = current): Promise<void> => {
    current = transfers
    events.emit({ type: 'hello', version: '0.1.0', transfers })
    await r.until('the hello', f => !f.includes('waiting for the daemon'))
  }
  if (options.hello !== false) await hello()
  return { ...r, api, events, hello }
}

/** The screen's lines with trailing spaces cut. */
export function lines (frame: string): string[] {
  return frame.split('\n').map(l => l.trimEnd())
}

export function lineWith (frame: string, text: string): string {
  const line = lines(frame).find(l => l.includes(text))
  if (line === undefined) throw new Error(`no line with "${text}" in:\n${frame}`)
  return line
}

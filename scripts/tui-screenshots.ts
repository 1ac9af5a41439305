import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createElement } from 'react'
import { App } from '../src/tui/App.js'
import type { ViewName } from '../src/tui/Header.js'
import { FakeEvents, fakeApi } from '../test/helpers/tui-fakes.js'
import { NOW, TRANSFERS } from '../test/helpers/tui-fixtures.js'
import { KEYS, renderAt } from '../test/helpers/tui-render.js'

/**
 * Writes text captures of every TUI view, drawn from the test fixtures, to docs/tui/.
 * Usage: node dist/scripts/tui-screenshots.js
 */

const OUT = fileURLToPath(new URL('../../docs/tui/', import.meta.url))

interface Shot {
  file: string
  view: ViewName
  columns?: number
  rows?: number
  keys?: string[]
  ready: (frame: string) => boolean
  down?: boolean
}

const SHOTS: Shot[] = [
  { file: 'transfers.txt', view: 'transfers', rows: 12, ready: f => f.includes('meta-llama') },
  { file: 'transfer-details.txt', view: 'transfers', rows: 25, keys: ['j', 'j', KEYS.enter], ready: f => f.includes('Peers (3)') },
  { file: 'discover.txt', view: 'discover', rows: 10, keys: [...'llama'], ready: f => f.includes('2 results') },
  { file: 'models.txt', view: 'models', rows: 11, ready: f => f.includes('ada/my-model') },
  { file: 'network.txt', view: 'network', rows: 21, ready: f => f.includes('nodes known') },
  { file: 'help.txt', view: 'transfers', rows: 27, keys: ['?'], ready: f => f.includes('closes this help') },
  { file: 'transfers-narrow.txt', view: 'transfers', columns: 60, rows: 10, ready: f => f.includes('meta-llama') },
  { file: 'daemon-gone.txt', view: 'transfers', rows: 11, down: true, ready: f => f.includes('not reachable') }
]

async function capture (shot: Shot): Promise<string> {
  const events = new FakeEvents()
  const api = fakeApi(() => TRANSFERS)
  const screen = renderAt(createElement(App, { api, events, initialView: shot.view, frameIntervalMs: 0, pollMs: 0, debounceMs: 0, now: () => NOW }), shot.columns ?? 110, shot.rows ?? 26)
  try {
    while (events.listeners === 0) await new Promise(resolve => setTimeout(resolve, 5))
    events.emit({ type: 'hello', version: '0.1.0', transfers: TRANSFERS })
    await screen.until('the first frame', f => f.includes('NAME') || f.includes('Search') || f.includes('loading'))
    if (shot.down === true) events.setStatus({ state: 'down', url: 'http://127.0.0.1:8737', reason: 'ECONNREFUSED', retryInMs: 3000 })
    await screen.press(...(shot.keys ?? []))
    const frame = await screen.until(shot.file, shot.ready)
    return `${frame.split('\n').map(l => l.trimEnd()).join('\n').trimEnd()}\n`
  } finally {
    screen.unmount()
  }
}

await mkdir(OUT, { recursive: true })
for (const shot of SHOTS) {
  await writeFile(join(OUT, shot.file), await capture(shot))
  console.log(`wrote docs/tui/${shot.file}`)
}

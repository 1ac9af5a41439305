import assert from 'node:assert/strict'
import { test } from 'node:test'
import { transfer, TRANSFERS } from '../helpers/tui-fixtures.js'
import { KEYS } from '../helpers/tui-render.js'
import { lines, lineWith, renderApp } from './setup.js'

const [LLAMA, MISTRAL, TINY, BROKEN] = TRANSFERS as [typeof TRANSFERS[0], typeof TRANSFERS[0], typeof TRANSFERS[0], typeof TRANSFERS[0]]

test('a row per transfer: name, state, bar and %, rates, seeds/leechers, ETA, ratio, size', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  const frame = app.frame()
  for (const heading of ['NAME', 'STATE', 'PROGRESS', '%', '↓', '↑', 'S/L', 'ETA', 'RATIO', 'SIZE']) assert.match(lineWith(frame, 'NAME'), new RegExp(heading))
  const llama = lineWith(frame, 'meta-llama/Llama-3-8B')
  assert.match(llama, /downloading\s+█+░+\s+42%\s+11\.8 MiB\/s\s+1\.0 MiB\/s\s+6\/3\s+12m 31s\s+0\.04\s+15\.0 GiB/)
  assert.match(lineWith(frame, 'Mistral'), /seeding .*100%\s+-\s+2\.2 MiB\/s\s+0\/3\s+-\s+2\.08/)
  assert.match(lineWith(frame, 'tiny-llama'), /paused .*81%/)
  assert.match(lineWith(frame, 'broken'), /failed .*12%/)
})

test('before the daemon says hello, and with no transfers', async t => {
  const app = await renderApp({ hello: false })
  t.after(app.unmount)
  assert.match(app.frame(), /waiting for the daemon's list of transfers/)
  await app.hello([])
  await app.until('the empty state', f => f.includes('no transfers yet'))
  assert.match(app.frame(), /press 2 to discover a model/)
})

test('a narrow terminal drops columns instead of wrapping, and resizing lays out again', async t => {
  const app = await renderApp({ columns: 120 })
  t.after(app.unmount)
  app.resize(56, 24)
  const narrow = await app.until('the narrow layout', f => !f.includes('RATIO'))
  for (const line of lines(narrow)) assert.ok([...line].length <= 56, `"${line}" is wider than 56`)
  assert.doesNotMatch(narrow, /SIZE|RATIO|PROGRESS/)
  assert.match(lineWith(narrow, 'Llama'), /downloading\s+42%/)
  assert.equal(lines(narrow).filter(l => l.includes('meta-llama')).length, 1, 'one line per row')
  app.resize(120, 24)
  await app.until('the wide layout again', f => f.includes('RATIO'))
})

test('j/k and arrows move the selection; Enter opens details, Esc goes back', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  assert.match(lineWith(app.frame(), 'tiny-llama'), /^› /, 'sorted by name: acme/ first')
  await app.press('j')
  await app.until('the second row selected', f => lineWith(f, 'bob/broken').startsWith('› '))
  await app.press('j', KEYS.down, 'k')
  await app.until('the third row selected', f => lineWith(f, 'meta-llama').startsWith('› '))
  await app.press(KEYS.enter)
  const details = await app.until('the details', f => f.includes('Peers (3)'))
  assert.match(details, /infohash v1\s+6d657461/)
  assert.match(details, /magnet\s+magnet:\?xt=urn:btih:/)
  assert.match(details, /verification\s+pending/)
  assert.match(details, /Files \(5\)/)
  assert.match(lineWith(details, 'model-00001'), /67%/)
  assert.match(lineWith(details, 'consolidated.pth'), /skip/)
  assert.match(lineWith(details, '127.0.0.1:40111'), /WebTorrent\/2\.0\s+↓\s+7\.7 MiB\/s/)
  assert.match(details, /huggingface\.co .* origin/)
  assert.ok(app.api.calls.includes(`transfer ${LLAMA.id}`))
  await app.press(KEYS.escape)
  await app.until('the list again', f => f.includes('S/L'))
})

test('p pauses and resumes the selected transfer, P pauses all', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  await app.press('p')
  await app.until('the resume notice', f => f.includes(`resumed ${TINY.name}`))
  assert.deepEqual(app.api.calls, [`resume ${TINY.id}`])
  await app.press('G', 'p')
  await app.until('the pause notice', f => f.includes(`paused ${MISTRAL.name}`))
  assert.equal(app.api.calls.at(-1), `pause ${MISTRAL.id}`)
  app.api.calls.length = 0
  await app.press('P')
  await app.until('the pause-all notice', f => /paused \d transfers/.test(f))
  assert.ok(app.api.calls.includes(`pause ${LLAMA.id}`))
  assert.ok(!app.api.calls.includes(`pause ${MISTRAL.id}`), 'a paused transfer is left alone')
  assert.ok(!app.api.calls.includes(`pause ${BROKEN.id}`), 'a failed transfer is left alone')
})

test('x asks before cancelling', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  await app.press('j', 'x')
  await app.until('the question', f => f.includes(`Cancel ${BROKEN.name} and delete its partial files? (y/n)`))
  await app.press('n')
  await app.until('the question gone', f => !f.includes('(y/n)'))
  assert.deepEqual(app.api.calls, [])
  await app.press('x', 'y')
  await app.until('the cancel notice', f => f.includes(`cancelled ${BROKEN.name}`))
  assert.deepEqual(app.api.calls, [`cancel ${BROKEN.id}`])
})

test('a failing action shows why', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  app.api.failures.resume = new Error('the daemon said no')
  await app.press('p')
  await app.until('the error', f => f.includes(`could not resume ${TINY.name}: the daemon said no`))
})

test('s cycles the sort; / filters', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  await app.press('s')
  const byProgress = await app.until('sort by progress', f => f.includes('sort (progress)'))
  const order = lines(byProgress).filter(l => /downloading|seeding|paused|failed/.test(l)).map(l => l.slice(2, 12))
  assert.deepEqual(order, ['mistralai/', 'acme/tiny-', 'meta-llama', 'bob/broken'])
  await app.press('/', ...'mistral')
  const filtered = await app.until('the filter', f => f.includes('Filter: mistral'))
  assert.doesNotMatch(filtered, /meta-llama/)
  await app.press(KEYS.enter)
  await app.until('the kept filter', f => f.includes('filter "mistral"'))
  await app.press('/', ...'zzz', KEYS.enter)
  await app.until('no match', f => f.includes('no transfer matches "mistralzzz"'))
  await app.press(KEYS.escape)
  await app.until('all rows again', f => f.includes('meta-llama') && f.includes('bob/broken'))
})

test('live events update rows, add and remove them', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  app.events.emit({ type: 'transfer', transfer: { ...LLAMA, progress: 0.5 } })
  await app.until('50%', f => /Llama-3-8B .*50%/.test(f))
  app.events.emit({ type: 'transfer-state', id: LLAMA.id, state: 'verifying', previous: 'downloading', transfer: { ...LLAMA, state: 'verifying', progress: 1 } })
  await app.until('verifying', f => /Llama-3-8B .*verifying/.test(f))
  app.events.emit({ type: 'transfer', transfer: transfer({ name: 'new/model', progress: 0.1 }) })
  await app.until('the new row', f => f.includes('new/model'))
  app.events.emit({ type: 'transfer-removed', id: BROKEN.id })
  await app.until('the row gone', f => !f.includes('bob/broken'))
})

test('fifty busy transfers: events are folded into a few frames', async t => {
  const many = Array.from({ length: 50 }, (_, i) => transfer({ name: `org/model-${String(i).padStart(2, '0')}`, progress: 0.01 }))
  const app = await renderApp({ hello: many, rows: 60 })
  t.after(app.unmount)
  const before = app.renders()
  for (let round = 1; round <= 20; round++) {
    for (const t of many) app.events.emit({ type: 'transfer', transfer: { ...t, progress: round / 100, download_bps: round * 1000 } })
  }
  await app.until('the last round', f => /org\/model-00 .*20%/.test(f))
  // Every event arrives before the next frame is due, so a thousand of them make one frame.
  assert.ok(app.renders() - before <= 2, `1000 events took ${app.renders() - before} frames`)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SilmarilError } from '../../src/errors.js'
import { DISCOVERED, transfer, TRANSFERS } from '../helpers/tui-fixtures.js'
import { KEYS } from '../helpers/tui-render.js'
import { lineWith, renderApp } from './setup.js'

test('results as you type: name, license, size, peers, format, tags, publisher', async t => {
  const app = await renderApp({ initialView: 'discover' })
  t.after(app.unmount)
  const all = await app.until('the whole catalog', f => f.includes('3 results'))
  assert.match(all, /NAME\s+LICENSE\s+SIZE\s+PEERS FORMAT\s+TAGS\s+PUBLISHER/)
  assert.match(lineWith(all, 'meta-llama/Llama-3-8B'), /llama3\s+15\.0 GiB\s+4 safetensors\s+llm,safetensors,8b\s+77ff:8490:5a91:9363/)
  assert.match(lineWith(all, 'bob/bert-mini'), /mit\s+42\.0 MiB\s+- safetensors/, 'not counted yet')
  assert.match(all, /acme\/tiny-llama-gguf@q4/)
  await app.press(...'llama')
  const found = await app.until('two results', f => f.includes('Search: llama') && f.includes('2 results'))
  assert.doesNotMatch(found, /bert-mini/)
  await app.until('the search for the whole word', () => app.api.calls.includes('discover llama'))
  await app.press(...'zzz')
  await app.until('nothing found', f => f.includes('nothing matches "llamazzz"'))
  await app.press(KEYS.backspace, KEYS.backspace, KEYS.backspace)
  await app.until('two results again', f => f.includes('Search: llama ') && f.includes('2 results'))
})

test('peer counts fill in while the view is shown, and the selection stays', async t => {
  const app = await renderApp({ initialView: 'discover', pollMs: 20 })
  t.after(app.unmount)
  await app.until('results', f => f.includes('3 results'))
  await app.press(KEYS.down)
  const counted = DISCOVERED.map(m => m.name === 'bob/bert-mini' ? { ...m, peers: 7 } : m)
  app.api.discover = async pattern => counted.filter(m => m.name.includes(pattern))
  const frame = await app.until('the new count', f => /bob\/bert-mini\s+mit\s+42\.0 MiB\s+7 safetensors/.test(f))
  assert.match(lineWith(frame, 'acme/tiny-llama-gguf'), /^› /)
})

test('an empty catalog and a failing search', async t => {
  const app = await renderApp({ initialView: 'discover' })
  t.after(app.unmount)
  await app.press(...'zz')
  await app.until('nothing found', f => f.includes('nothing matches "zz"'))
  app.api.failures.discover = new SilmarilError('daemon_unreachable', 'cannot reach the daemon')
  await app.press('z')
  await app.until('the failure', f => f.includes('search failed: cannot reach the daemon'))
})

test('Enter gets the model: the license is shown, asked when policy wants it, then Transfers', async t => {
  const app = await renderApp({ initialView: 'discover', hello: TRANSFERS.filter(x => !x.name.startsWith('meta-llama')) })
  t.after(app.unmount)
  await app.until('results', f => f.includes('3 results'))
  const started = transfer({ name: 'meta-llama/Llama-3-8B', progress: 0, id: 'a'.repeat(40) })
  app.api.downloads.push(new SilmarilError('policy', 'the license llama3 is not in policy.licenses'), started)
  await app.press(KEYS.down, KEYS.up, KEYS.enter)
  await app.until('the question', f => f.includes('Accept the license "llama3" of meta-llama/Llama-3-8B and download? (y/n)'))
  assert.deepEqual(app.api.calls.filter(c => c.startsWith('download')), ['download meta-llama/Llama-3-8B'])
  await app.press('y')
  const transfers = await app.until('Transfers', f => f.includes('[1 Transfers]'))
  assert.match(lineWith(transfers, 'meta-llama/Llama-3-8B'), /^› .*downloading/)
  assert.match(transfers, /getting meta-llama\/Llama-3-8B \(license llama3\)/)
  assert.deepEqual(app.api.calls.filter(c => c.startsWith('download')), ['download meta-llama/Llama-3-8B', 'download meta-llama/Llama-3-8B accept'])
})

test('declining the license starts nothing', async t => {
  const app = await renderApp({ initialView: 'discover' })
  t.after(app.unmount)
  await app.until('results', f => f.includes('3 results'))
  app.api.downloads.push(new SilmarilError('policy', 'needs accepting'))
  await app.press(KEYS.enter)
  await app.until('the question', f => f.includes('(y/n)'))
  await app.press('n')
  await app.until('no question', f => !f.includes('(y/n)'))
  assert.match(app.frame(), /\[2 Discover\]/)
  assert.equal(app.api.calls.filter(c => c.startsWith('download')).length, 1)
})

test('a daemon that cannot download yet says so', async t => {
  const app = await renderApp({ initialView: 'discover' })
  t.after(app.unmount)
  await app.until('results', f => f.includes('3 results'))
  await app.press(KEYS.enter)
  await app.until('the refusal', f => f.includes('could not get meta-llama/Llama-3-8B: downloading models is not available in this version of Silmaril yet'))
})

test('narrow: tags and publisher go first', async t => {
  const app = await renderApp({ initialView: 'discover', columns: 60 })
  t.after(app.unmount)
  const frame = await app.until('results', f => f.includes('3 results'))
  assert.doesNotMatch(frame, /TAGS|PUBLISHER/)
  assert.match(lineWith(frame, 'meta-llama'), /llama3\s+15\.0 GiB safetensors/)
  for (const line of frame.split('\n')) assert.ok([...line.trimEnd()].length <= 60, `"${line}" is wider than 60`)
})

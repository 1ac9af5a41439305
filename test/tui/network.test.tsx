import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SNAPSHOT } from '../helpers/tui-fixtures.js'
import { lineWith, renderApp } from './setup.js'

test('DHT, catalog pointers, entries, publishers, rejections and rates', async t => {
  const app = await renderApp({ initialView: 'network' })
  t.after(app.unmount)
  const f = await app.until('the status', frame => frame.includes('143 nodes known'))
  assert.match(lineWith(f, 'DHT'), /ready · 143 nodes known · port 6881/)
  assert.match(lineWith(f, 'catalog  '), /57 entries \(54 live\) · 9 publishers known · refreshed 1m 30s ago/)
  assert.match(lineWith(f, 'own pointer'), /seq 12 · 5{40}/)
  assert.match(lineWith(f, 'shared pointer'), /6{40} · last write written/)
  assert.match(lineWith(f, 'rejected'), /bad_signature 2 · too_large 1/)
  assert.match(lineWith(f, 'rates'), /↓ 11\.8 MiB\/s\s+↑ 3\.2 MiB\/s/)
  assert.match(lineWith(f, 'totals'), /↓ 20\.3 GiB\s+↑ 28\.3 GiB/)
  assert.match(lineWith(f, 'transfers  '), /4 \(1 downloading, 1 seeding\) · 12 peers/)
})

test('before the catalog starts, and when the status cannot be read', async t => {
  const app = await renderApp({ initialView: 'network', hello: false })
  t.after(app.unmount)
  app.api.status = async () => ({ ...SNAPSHOT, catalog: null, dht: { ...SNAPSHOT.dht, ready: false, nodes: 0 } })
  await app.press('r')
  const f = await app.until('no catalog', frame => frame.includes('catalog not started yet'))
  assert.match(lineWith(f, 'DHT'), /joining · 0 nodes known/)
  const broken = await renderApp({ initialView: 'network', hello: false })
  t.after(broken.unmount)
  broken.api.failures.status = new Error('cannot reach the daemon')
  await broken.press('r')
  await broken.until('the failure', frame => frame.includes('refresh failed: cannot reach the daemon'))
})

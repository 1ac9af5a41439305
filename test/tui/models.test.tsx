import assert from 'node:assert/strict'
import { test } from 'node:test'
import { modelState } from '../../src/tui/ModelsView.js'
import { MODELS, TRANSFERS } from '../helpers/tui-fixtures.js'
import { lineWith, renderApp } from './setup.js'

test('local models with state, size, peers, upload and path', async t => {
  const app = await renderApp({ initialView: 'models' })
  t.after(app.unmount)
  const frame = await app.until('the models', f => f.includes('ada/my-model'))
  assert.match(lineWith(frame, 'mistralai/Mistral-7B-Instruct'), /seeding\s+13\.5 GiB\s+3\s+2\.2 MiB\/s apache-2\.0\s+\/home\/ada\/\.silmaril\/model/)
  assert.match(lineWith(frame, 'acme/tiny-llama-gguf@q4'), /paused/)
  assert.match(lineWith(frame, 'ada/half-copied'), /error .*no \.silmaril\.json/)
})

test('the state of a model comes from its transfer when there is one', () => {
  const downloading = { ...MODELS[0]!, infohash: TRANSFERS[0]!.infohash }
  assert.equal(modelState(downloading, TRANSFERS), 'incomplete')
  assert.equal(modelState(MODELS[1]!, TRANSFERS), 'paused')
  assert.equal(modelState({ ...MODELS[2]!, seeding: false }, []), 'stopped')
  assert.equal(modelState(MODELS[2]!, []), 'seeding')
})

test('s shares again; u unshares after asking', async t => {
  const app = await renderApp({ initialView: 'models' })
  t.after(app.unmount)
  await app.until('the models', f => f.includes('ada/my-model'))
  await app.press('j', 'j', 's')
  await app.until('the share notice', f => f.includes('sharing ada/my-model'))
  assert.ok(app.api.calls.includes('share ada/my-model'))
  await app.press('u')
  await app.until('the question', f => f.includes('Stop sharing ada/my-model and withdraw it from the catalog? Files stay on disk. (y/n)'))
  await app.press('q')
  assert.match(app.frame(), /\(y\/n\)/, 'q answers nothing and quits nothing while asking')
  await app.press('y')
  await app.until('the unshare notice', f => f.includes('stopped sharing ada/my-model'))
  assert.ok(app.api.calls.includes('unshare ada/my-model'))
})

test('no models, and a daemon that cannot list them', async t => {
  const app = await renderApp({ initialView: 'models' })
  t.after(app.unmount)
  app.api.failures.models = new Error('cannot reach the daemon')
  await app.press('r')
  await app.until('the refresh failure', f => f.includes('refresh failed: cannot reach the daemon'))
  const broken = await renderApp({ initialView: 'models' })
  t.after(broken.unmount)
  broken.api.models = async () => []
  await broken.press('r')
  await broken.until('the empty state', f => f.includes('no local models yet'))
})

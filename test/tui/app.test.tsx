import assert from 'node:assert/strict'
import { test } from 'node:test'
import { KEYS } from '../helpers/tui-render.js'
import { renderApp } from './setup.js'

test('number keys and Tab switch views; the tab bar shows which', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  assert.match(app.frame(), /\[1 Transfers\]/)
  await app.press('4')
  await app.until('Network', f => f.includes('[4 Network]') && f.includes('143 nodes known'))
  await app.press('3')
  await app.until('Models', f => f.includes('[3 Models]') && f.includes('ada/my-model'))
  await app.press(KEYS.tab)
  await app.until('Network by Tab', f => f.includes('[4 Network]'))
  await app.press(KEYS.tab)
  await app.until('Transfers by Tab, wrapping', f => f.includes('[1 Transfers]'))
  await app.press(KEYS.shiftTab)
  await app.until('Network by Shift-Tab', f => f.includes('[4 Network]'))
  await app.press('2')
  await app.until('Discover', f => f.includes('[2 Discover]') && f.includes('Search:'))
})

test('? shows the keys, any key closes them', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  await app.press('?')
  const help = await app.until('the help', f => f.includes('any key closes this help'))
  assert.match(help, /s\s+sort by name, progress, rate, ETA/)
  assert.match(help, /q {2}Ctrl-C\s+quit/)
  await app.press('x')
  await app.until('the list again', f => f.includes('S/L') && !f.includes('closes this help'))
  assert.doesNotMatch(app.frame(), /\(y\/n\)/, 'the key that closed the help did nothing else')
})

test('q quits, except while typing', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  await app.press('2', ...'q')
  await app.until('q typed into the search', f => f.includes('Search: q'))
  assert.equal(app.events.listeners, 1)
  await app.press(KEYS.escape, KEYS.escape)
  await app.until('back on Transfers', f => f.includes('[1 Transfers]'))
  await app.press('q')
  for (let i = 0; i < 200 && app.events.listeners > 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
  assert.equal(app.events.listeners, 0, 'quitting unmounts the app and lets go of the stream')
})

test('Ctrl-C quits even while typing', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  await app.press('2', ...'q')
  await app.until('q typed into the search', f => f.includes('Search: q'))
  await app.press(KEYS.ctrlC)
  for (let i = 0; i < 200 && app.events.listeners > 0; i++) await new Promise(resolve => setTimeout(resolve, 5))
  assert.equal(app.events.listeners, 0, 'Ctrl-C unmounts the app')
})

test('the daemon going away is said, and coming back clears it', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  app.events.setStatus({ state: 'down', url: 'http://127.0.0.1:8737', reason: 'ECONNREFUSED', retryInMs: 1000 })
  await app.until('the banner', f => f.includes('daemon not reachable at http://127.0.0.1:8737 (ECONNREFUSED); reconnecting'))
  app.events.setStatus({ state: 'connecting', url: 'http://127.0.0.1:8737' })
  await new Promise(resolve => setTimeout(resolve, 20))
  assert.match(app.frame(), /daemon not reachable/, 'the banner stays while reconnecting')
  assert.match(app.frame(), /meta-llama/, 'the last known transfers stay on screen')
  app.events.setStatus({ state: 'open', url: 'http://127.0.0.1:8737' })
  await app.until('the banner gone', f => !f.includes('not reachable'))
})

test('a daemon without an event stream is named, with its answer', async t => {
  const app = await renderApp({ hello: false })
  t.after(app.unmount)
  app.events.setStatus({ state: 'refused', url: 'http://127.0.0.1:8737', status: 501, reason: 'the event stream is not available in this version of Silmaril yet', retryInMs: 3000 })
  await app.until('the banner', f => f.includes('no live updates (HTTP 501 from http://127.0.0.1:8737): the event stream is not available'))
})

test('errors the daemon reports on the stream show under the view', async t => {
  const app = await renderApp()
  t.after(app.unmount)
  app.events.emit({ type: 'error', code: 'network', message: 'no peers for acme/x after 60 s' })
  await app.until('the error', f => f.includes('daemon: no peers for acme/x after 60 s'))
})

test('a tiny terminal still draws without wrapping rows', async t => {
  const app = await renderApp({ columns: 40, rows: 10 })
  t.after(app.unmount)
  const frame = await app.until('the short tabs', f => f.includes('[1T]'))
  for (const line of frame.split('\n')) assert.ok([...line.trimEnd()].length <= 40, `"${line}" is wider than 40`)
  assert.ok(frame.split('\n').length <= 9, 'one line shorter than the terminal, so Ink never clears the screen')
})

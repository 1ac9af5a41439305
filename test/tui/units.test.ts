import assert from 'node:assert/strict'
import { test } from 'node:test'
import { layoutColumns, MARKER_WIDTH, COLUMN_WIDTHS } from '../../src/tui/columns.js'
import { fit, formatEta, formatPercent, progressBar } from '../../src/tui/format.js'
import { scrollWindow } from '../../src/tui/scroll.js'
import { colorAllowed } from '../../src/tui/theme.js'
import { splitRows } from '../../src/tui/TransferDetails.js'
import { filterTransfers, nextSortKey, sortTransfers } from '../../src/tui/transfer-order.js'
import { TRANSFERS } from '../helpers/tui-fixtures.js'

test('columns fit every width: all of them when wide, the name and % at the very least', () => {
  assert.equal(layoutColumns(140).columns.length, 10)
  for (let width = 24; width <= 160; width++) {
    const { columns, nameWidth } = layoutColumns(width)
    const used = MARKER_WIDTH + nameWidth + columns.filter(c => c !== 'name').reduce((sum, c) => sum + COLUMN_WIDTHS[c as keyof typeof COLUMN_WIDTHS] + 1, 0)
    assert.ok(used <= width, `${used} cells at width ${width}`)
    assert.ok(columns.includes('name') && columns.includes('percent'))
  }
  assert.deepEqual(layoutColumns(30).columns, ['name', 'percent'])
})

test('formatting: bars, percent that never rounds up to done, ETA, fitting', () => {
  assert.equal(progressBar(0.5, 10), '█████░░░░░')
  assert.equal(progressBar(2, 4), '████')
  assert.equal(formatPercent(0.9999), '99%')
  assert.equal(formatPercent(1), '100%')
  assert.equal(formatEta(null), '-')
  assert.equal(formatEta(3700), '1h 1m')
  assert.equal(fit('abcdef', 4), 'abc…')
  assert.equal(fit('ab', 4, 'right'), '  ab')
})

test('sort keys cycle, and ties keep a stable order; the filter matches name, state and infohash', () => {
  assert.equal(nextSortKey('name'), 'progress')
  assert.equal(nextSortKey('eta'), 'name')
  assert.deepEqual(sortTransfers(TRANSFERS, 'eta').map(t => t.name)[0], 'meta-llama/Llama-3-8B')
  assert.deepEqual(sortTransfers(TRANSFERS, 'rate').map(t => t.name).slice(0, 2), ['meta-llama/Llama-3-8B', 'mistralai/Mistral-7B-Instruct'])
  assert.deepEqual(filterTransfers(TRANSFERS, 'SEED').map(t => t.name), ['mistralai/Mistral-7B-Instruct'])
  assert.equal(filterTransfers(TRANSFERS, TRANSFERS[3]!.infohash.slice(0, 8)).length, 1)
})

test('scrolling keeps the selection on screen; details share their lines between files and peers', () => {
  assert.deepEqual(scrollWindow(5, 4, 10), { start: 0, end: 5 })
  assert.deepEqual(scrollWindow(50, 0, 10), { start: 0, end: 10 })
  assert.deepEqual(scrollWindow(50, 49, 10), { start: 40, end: 50 })
  assert.deepEqual(scrollWindow(50, 25, 10), { start: 20, end: 30 })
  assert.deepEqual(splitRows(10, 3, 2), { fileRows: 3, peerRows: 2 })
  assert.deepEqual(splitRows(10, 30, 20), { fileRows: 4, peerRows: 5 })
})

test('NO_COLOR turns colour off when set to anything', () => {
  assert.equal(colorAllowed({}), true)
  assert.equal(colorAllowed({ NO_COLOR: '1' }), false)
  assert.equal(colorAllowed({ NO_COLOR: '' }), true)
})

import { Text } from 'ink'
import type { TransferInfo, TransferState } from '../api/types.js'
import { COLUMN_WIDTHS, type ColumnLayout, type TransferColumn } from './columns.js'
import { fit, formatBytes, formatEta, formatPercent, formatRate, formatRatio, progressBar } from './format.js'
import { useTone } from './theme.js'

type Tone = ReturnType<ReturnType<typeof useTone>>

export function stateTone (state: TransferState, tone: ReturnType<typeof useTone>): Tone {
  switch (state) {
    case 'seeding': return tone('green')
    case 'downloading': return tone('cyan')
    case 'paused': return tone('yellow')
    case 'failed': return tone('red')
    case 'cancelled': return tone('gray')
    default: return tone('magenta')
  }
}

const HEADINGS: Record<TransferColumn, string> = {
  name: 'NAME', state: 'STATE', bar: 'PROGRESS', percent: '%', down: '↓', up: '↑', peers: 'S/L', eta: 'ETA', ratio: 'RATIO', size: 'SIZE'
}
const RIGHT: Set<TransferColumn> = new Set(['percent', 'down', 'up', 'peers', 'eta', 'ratio', 'size'])

function widthOf (column: TransferColumn, layout: ColumnLayout): number {
  return column === 'name' ? layout.nameWidth : COLUMN_WIDTHS[column]
}

export function TransferHeader ({ layout }: { layout: ColumnLayout }): JSX.Element {
  const cells = layout.columns.map(c => fit(HEADINGS[c], widthOf(c, layout), RIGHT.has(c) ? 'right' : 'left'))
  return <Text bold wrap='truncate'>{`  ${cells.join(' ')}`}</Text>
}

function cell (t: TransferInfo, column: TransferColumn, layout: ColumnLayout): string {
  const width = widthOf(column, layout)
  const right = RIGHT.has(column)
  switch (column) {
    case 'name': return fit(t.name, width)
    case 'state': return fit(t.paused ? 'paused' : t.state, width)
    case 'bar': return progressBar(t.progress, width)
    case 'percent': return fit(formatPercent(t.progress), width, 'right')
    case 'down': return fit(formatRate(t.download_bps), width, 'right')
    case 'up': return fit(formatRate(t.upload_bps), width, 'right')
    case 'peers': return fit(`${t.seeders}/${Math.max(0, t.peers - t.seeders)}`, width, 'right')
    case 'eta': return fit(t.state === 'downloading' && !t.paused ? formatEta(t.eta_s) : '-', width, 'right')
    case 'ratio': return fit(formatRatio(t.ratio), width, 'right')
    case 'size': return fit(formatBytes(t.total_bytes), width, right ? 'right' : 'left')
  }
}

/** One transfer on one line: plain text segments, so fifty rows cost one layout node each. */
export function TransferRow ({ transfer, layout, selected }: { transfer: TransferInfo, layout: ColumnLayout, selected: boolean }): JSX.Element {
  const tone = useTone()
  const state = transfer.paused ? 'paused' : transfer.state
  return (
    <Text wrap='truncate' inverse={selected}>
      {selected ? '› ' : '  '}
      {layout.columns.map((c, i) => {
        const text = `${i === 0 ? '' : ' '}${cell(transfer, c, layout)}`
        if (c === 'state') return <Text key={c} color={stateTone(state, tone)}>{text}</Text>
        if (c === 'bar') return <Text key={c} color={stateTone(state, tone)}>{text}</Text>
        return <Text key={c}>{text}</Text>
      })}
    </Text>
  )
}

/** The columns of the transfers table, in the order they are dropped when the terminal narrows. */
export type TransferColumn = 'name' | 'state' | 'bar' | 'percent' | 'down' | 'up' | 'peers' | 'eta' | 'ratio' | 'size'

export const COLUMN_WIDTHS: Record<Exclude<TransferColumn, 'name'>, number> = {
  state: 11,
  bar: 12,
  percent: 4,
  down: 10,
  up: 10,
  peers: 7,
  eta: 8,
  ratio: 5,
  size: 9
}

const DISPLAY_ORDER: TransferColumn[] = ['name', 'state', 'bar', 'percent', 'down', 'up', 'peers', 'eta', 'ratio', 'size']
/** Least useful first: what a narrow terminal loses before the name gets too short. */
const DROP_ORDER: TransferColumn[] = ['ratio', 'size', 'bar', 'up', 'peers', 'eta', 'down', 'state']
const NAME_MIN = 16
const GAP = 1
/** The selection marker in front of every row. */
export const MARKER_WIDTH = 2

export interface ColumnLayout {
  columns: TransferColumn[]
  nameWidth: number
}

/** Which columns fit `width` cells, and how wide the name gets; rows never wrap. */
export function layoutColumns (width: number): ColumnLayout {
  let columns = [...DISPLAY_ORDER]
  const fixed = (): number => columns.reduce((sum, c) => sum + (c === 'name' ? 0 : COLUMN_WIDTHS[c] + GAP), 0)
  for (const drop of DROP_ORDER) {
    if (width - MARKER_WIDTH - fixed() >= NAME_MIN) break
    columns = columns.filter(c => c !== drop)
  }
  return { columns, nameWidth: Math.max(4, width - MARKER_WIDTH - fixed()) }
}

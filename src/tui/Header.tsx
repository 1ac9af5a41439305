import { Box, Text } from 'ink'
import type { TransferInfo } from '../api/types.js'
import { formatRate } from './format.js'
import { useTone } from './theme.js'

export const VIEWS = [
  { name: 'transfers', title: 'Transfers' },
  { name: 'discover', title: 'Discover' },
  { name: 'models', title: 'Models' },
  { name: 'network', title: 'Network' }
] as const

export type ViewName = typeof VIEWS[number]['name']

/** Tabs on the left, the node's total rates on the right when there is room. */
export function Header ({ view, transfers, width }: { view: ViewName, transfers: TransferInfo[], width: number }): JSX.Element {
  const tone = useTone()
  const short = width < 56
  const down = transfers.reduce((sum, t) => sum + t.download_bps, 0)
  const up = transfers.reduce((sum, t) => sum + t.upload_bps, 0)
  const summary = `↓ ${formatRate(down)}  ↑ ${formatRate(up)}  ${transfers.length} transfer${transfers.length === 1 ? '' : 's'}`
  const tabsWidth = 10 + VIEWS.reduce((sum, v) => sum + (short ? 3 : v.title.length + 5), 0)
  return (
    <Box width={width}>
      <Text wrap='truncate'>
        <Text bold color={tone('cyan')}>silmaril </Text>
        {VIEWS.map((v, i) => {
          const label = short ? `${i + 1}${v.title[0] ?? ''}` : `${i + 1} ${v.title}`
          return v.name === view
            ? <Text key={v.name} bold inverse>{`[${label}]`}</Text>
            : <Text key={v.name}>{` ${label} `}</Text>
        })}
      </Text>
      {width - tabsWidth > summary.length + 2 ? <Box flexGrow={1} justifyContent='flex-end'><Text dimColor>{summary}</Text></Box> : null}
    </Box>
  )
}

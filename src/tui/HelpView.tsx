import { Box, Text } from 'ink'

const SECTIONS: Array<[string, Array<[string, string]>]> = [
  ['Everywhere', [['1 2 3 4 / Tab', 'Transfers, Discover, Models, Network (Shift-Tab back)'], ['?', 'this help'], ['q  Ctrl-C', 'quit']]],
  ['Transfers', [['↑↓  j k', 'move (PgUp PgDn, g G)'], ['Enter / Esc', 'details: files, peers, infohashes, magnet / back'], ['p  P', 'pause or resume the selected / all'], ['x', 'cancel (asks first)'], ['s', 'sort by name, progress, rate, ETA'], ['/', 'filter by name, state or infohash']]],
  ['Discover', [['type', 'search the catalog as you type'], ['↑↓  Enter', 'choose, get the model (asks about the license when needed)'], ['Esc', 'clear the search, then back']]],
  ['Models', [['s  u', 'share again (re-seed) / unshare (asks first)'], ['r', 'refresh']]],
  ['Network', [['r', 'refresh']]]
]

export function HelpView ({ width, height }: { width: number, height: number }): JSX.Element {
  return (
    <Box flexDirection='column' width={width} height={height} overflow='hidden'>
      {SECTIONS.map(([title, keys]) => (
        <Box key={title} flexDirection='column'>
          <Text bold>{title}</Text>
          {keys.map(([k, what]) => <Text key={k} wrap='truncate'>{`  ${k.padEnd(16)}${what}`}</Text>)}
        </Box>
      ))}
      <Text dimColor>any key closes this help</Text>
    </Box>
  )
}

import { Text } from 'ink'
import type { StreamStatus } from '../cli/event-stream.js'
import { useTone } from './theme.js'

/** One line about the daemon connection, shown only when something is wrong or still pending. */
export function ConnectionBanner ({ status, everOpen }: { status: StreamStatus, everOpen: boolean }): JSX.Element | null {
  const tone = useTone()
  switch (status.state) {
    case 'open':
      return null
    case 'connecting':
      return everOpen ? null : <Text dimColor wrap='truncate'>{`connecting to the daemon${status.url === '' ? '' : ` at ${status.url}`}…`}</Text>
    case 'down':
      return <Text color={tone('red')} bold wrap='truncate'>{`daemon not reachable at ${status.url} (${status.reason}); reconnecting… — start it with "silmaril daemon start"`}</Text>
    case 'refused':
      return <Text color={tone('yellow')} wrap='truncate'>{`no live updates (HTTP ${status.status} from ${status.url}): ${status.reason}; retrying`}</Text>
  }
}

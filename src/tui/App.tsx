import { Box, Text, useApp } from 'ink'
import { useCallback, useEffect, useState } from 'react'
import type { TransferInfo } from '../api/types.js'
import type { TuiApi } from './api.js'
import { ConnectionBanner } from './ConnectionBanner.js'
import { DiscoverView } from './DiscoverView.js'
import type { StreamStatus } from '../cli/event-stream.js'
import { Header, VIEWS, type ViewName } from './Header.js'
import { HelpView } from './HelpView.js'
import { Interrupted } from './interrupted.js'
import type { Notice } from './messages.js'
import { ModelsView } from './ModelsView.js'
import { NetworkView } from './NetworkView.js'
import { ThemeContext, useTone } from './theme.js'
import { TransfersView } from './TransfersView.js'
import { useDaemonState, type EventSource } from './use-daemon-state.js'
import { useTerminalSize } from './use-terminal-size.js'
import { useKeys } from './use-keys.js'

export interface AppProps {
  api: TuiApi
  events: EventSource
  /** False under NO_COLOR. @default true */
  color?: boolean
  /** @default 'transfers' */
  initialView?: ViewName
  /** Re-render interval of the transfers list under a stream of events. */
  frameIntervalMs?: number
  /** Poll intervals of the Models, Network and Discover views (0: no polling), and the search debounce (tests shorten them). */
  pollMs?: number
  debounceMs?: number
  now?: () => number
}

type Captures = Partial<Record<ViewName, boolean>>

export function App (props: AppProps): JSX.Element {
  return (
    <ThemeContext.Provider value={{ color: props.color ?? true }}>
      <Screen {...props} />
    </ThemeContext.Provider>
  )
}

function Screen (props: AppProps): JSX.Element {
  const { api } = props
  const { exit } = useApp()
  const tone = useTone()
  const { columns, rows } = useTerminalSize()
  const daemon = useDaemonState(props.events, props.frameIntervalMs)
  const [view, setView] = useState<ViewName>(props.initialView ?? 'transfers')
  const [help, setHelp] = useState(false)
  const [captures, setCaptures] = useState<Captures>({})
  const [notice, setNotice] = useState<Notice>()
  const [focusId, setFocusId] = useState<string>()
  const problem = useProblem(daemon.status)

  useEffect(() => { if (daemon.lastError !== null) setNotice({ text: `daemon: ${daemon.lastError.message}`, kind: 'error' }) }, [daemon.lastError])

  const capture = useCallback((name: ViewName) => (on: boolean) => { setCaptures(c => c[name] === on ? c : { ...c, [name]: on }) }, [])
  const typing = view === 'discover' || captures[view] === true
  const cycle = (step: number): void => {
    const at = VIEWS.findIndex(v => v.name === view)
    setView(VIEWS[(at + step + VIEWS.length) % VIEWS.length]?.name ?? 'transfers')
  }

  useKeys((input, key) => {
    // Ctrl-C quits from anywhere, typing or not, and the shell sees an interrupt (exit 130).
    if (key.ctrl && input === 'c') { exit(new Interrupted()); return }
    if (help) { setHelp(false); return }
    if (key.tab) { cycle(key.shift ? -1 : 1); return }
    if (typing) return
    if (input === 'q') exit()
    else if (input === '?') setHelp(true)
    else if (/^[1-4]$/.test(input)) setView(VIEWS[Number(input) - 1]?.name ?? view)
  })

  const started = (transfer: TransferInfo): void => {
    daemon.upsert(transfer)
    setFocusId(transfer.id)
    setView('transfers')
  }

  // Ink repaints the whole screen when a frame is as tall as the terminal: stay one line short.
  const banner = problem === undefined ? null : <ConnectionBanner status={problem.status} everOpen={problem.everOpen} />
  const height = Math.max(3, rows - 1 - 2 - (banner === null ? 0 : 1))
  const width = Math.max(20, columns)
  const common = { api, width, height, onNotify: setNotice }
  return (
    <Box flexDirection='column' width={width}>
      <Header view={view} transfers={daemon.transfers} width={width} />
      {banner}
      {help ? <HelpView width={width} height={height} /> : null}
      <Box display={!help && view === 'transfers' ? 'flex' : 'none'}>
        <TransfersView {...common} transfers={daemon.transfers} loaded={daemon.loaded} active={!help && view === 'transfers'} focusId={focusId} onUpsert={daemon.upsert} onCapture={capture('transfers')} />
      </Box>
      <Box display={!help && view === 'discover' ? 'flex' : 'none'}>
        <DiscoverView {...common} active={!help && view === 'discover'} onStarted={started} onBack={() => { setView('transfers') }} debounceMs={props.debounceMs} refreshMs={props.pollMs} />
      </Box>
      {!help && view === 'models' ? <ModelsView {...common} transfers={daemon.transfers} active onCapture={capture('models')} pollMs={props.pollMs} /> : null}
      {!help && view === 'network' ? <NetworkView {...common} transfers={daemon.transfers} active pollMs={props.pollMs} now={props.now} /> : null}
      <Text wrap='truncate' color={notice?.kind === 'error' ? tone('red') : undefined} dimColor={notice?.kind === 'info'}>{notice?.text ?? ' '}</Text>
    </Box>
  )
}

/** The connection trouble to show: kept through reconnect attempts, so the banner does not blink. */
function useProblem (status: StreamStatus): { status: StreamStatus, everOpen: boolean } | undefined {
  const [everOpen, setEverOpen] = useState(false)
  const [last, setLast] = useState<StreamStatus>()
  useEffect(() => {
    if (status.state === 'open') { setEverOpen(true); setLast(undefined) } else if (status.state !== 'connecting') setLast(status)
  }, [status])
  if (status.state === 'open') return undefined
  if (status.state === 'connecting' && last !== undefined) return { status: last, everOpen }
  return { status, everOpen }
}

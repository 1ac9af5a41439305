import { Box, Text } from 'ink'
import { useEffect, useRef, useState } from 'react'
import type { DiscoveredModel, TransferInfo } from '../api/types.js'
import { fingerprint } from '../fingerprint.js'
import type { TuiApi } from './api.js'
import { fit, formatBytes } from './format.js'
import { errorNotice, type Notify } from './messages.js'
import { scrollWindow } from './scroll.js'
import { editText } from './text-input.js'
import { useTone } from './theme.js'
import { useKeys } from './use-keys.js'

/** Typing pauses this long before the search goes out, so a word costs one request, not five. */
export const SEARCH_DEBOUNCE_MS = 150
/** While the view is shown the search is asked again this often: peer counts arrive after the results. */
export const RESULTS_REFRESH_MS = 5000

export interface DiscoverViewProps {
  api: TuiApi
  active: boolean
  width: number
  height: number
  /** A download started: the app shows it in Transfers. */
  onStarted (transfer: TransferInfo): void
  onBack (): void
  onNotify: Notify
  debounceMs?: number
  refreshMs?: number
}

type Column = 'name' | 'license' | 'size' | 'peers' | 'format' | 'tags' | 'publisher'
const WIDTHS: Record<Exclude<Column, 'name'>, number> = { license: 12, size: 9, peers: 5, format: 11, tags: 22, publisher: 19 }
const RIGHT: ReadonlySet<Column> = new Set(['size', 'peers'])
const DROP: Column[] = ['tags', 'publisher', 'peers', 'format', 'license']
const ORDER: Column[] = ['name', 'license', 'size', 'peers', 'format', 'tags', 'publisher']
const NAME_MIN = 18

function layout (width: number): { columns: Column[], nameWidth: number } {
  let columns = [...ORDER]
  const fixed = (): number => columns.reduce((sum, c) => sum + (c === 'name' ? 0 : WIDTHS[c] + 1), 2)
  for (const drop of DROP) {
    if (width - fixed() >= NAME_MIN) break
    columns = columns.filter(c => c !== drop)
  }
  return { columns, nameWidth: Math.max(4, width - fixed()) }
}

function cell (m: DiscoveredModel, column: Column, nameWidth: number): string {
  switch (column) {
    case 'name': return fit(m.revision === 'main' ? m.name : `${m.name}@${m.revision}`, nameWidth)
    case 'license': return fit(m.license, WIDTHS.license)
    case 'size': return fit(formatBytes(m.size), WIDTHS.size, 'right')
    case 'peers': return fit(m.peers === undefined ? '-' : String(m.peers), WIDTHS.peers, 'right')
    case 'format': return fit(m.format, WIDTHS.format)
    case 'tags': return fit(m.tags.join(','), WIDTHS.tags)
    case 'publisher': return fit(fingerprint(m.publisher), WIDTHS.publisher)
  }
}

const HEADINGS: Record<Column, string> = { name: 'NAME', license: 'LICENSE', size: 'SIZE', peers: 'PEERS', format: 'FORMAT', tags: 'TAGS', publisher: 'PUBLISHER' }

interface Ask { model: DiscoveredModel, message: string }

export function DiscoverView (props: DiscoverViewProps): JSX.Element {
  const { api, active, width, height, onNotify } = props
  const tone = useTone()
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<DiscoveredModel[]>()
  const [error, setError] = useState<Error>()
  const [index, setIndex] = useState(0)
  const [ask, setAsk] = useState<Ask>()
  const [starting, setStarting] = useState<string>()
  const sequence = useRef(0)

  // The catalog is asked for once the view is first shown, not when the TUI starts.
  const [shown, setShown] = useState(active)
  useEffect(() => { if (active) setShown(true) }, [active])

  useEffect(() => {
    if (!shown) return
    const mine = ++sequence.current
    const timer = setTimeout(() => {
      api.discover(query).then(found => {
        if (mine !== sequence.current) return
        setResults(found)
        setError(undefined)
        setIndex(0)
      }, (err: unknown) => { if (mine === sequence.current) setError(err as Error) })
    }, results === undefined ? 0 : props.debounceMs ?? SEARCH_DEBOUNCE_MS)
    return () => { clearTimeout(timer) }
  }, [api, query, shown])

  // The same search again now and then, keeping the selection: peer counts fill in as they are made.
  // A slow answer is waited for before the next request is timed.
  const refreshMs = props.refreshMs ?? RESULTS_REFRESH_MS
  useEffect(() => {
    if (!active || results === undefined || refreshMs <= 0) return
    let timer: NodeJS.Timeout | undefined
    let live = true
    const again = (): void => {
      timer = setTimeout(() => {
        const mine = sequence.current
        api.discover(query).then(found => { if (live && mine === sequence.current) setResults(found) }, () => {}).finally(() => { if (live) again() })
      }, refreshMs)
    }
    again()
    return () => { live = false; clearTimeout(timer) }
  }, [api, query, active, results === undefined, refreshMs])

  const start = (model: DiscoveredModel, accept: boolean): void => {
    setStarting(model.name)
    onNotify({ text: `starting ${model.name} (license ${model.license})…`, kind: 'info' })
    api.download({ ref: model.name, revision: model.revision, publisher: model.publisher, ...(accept ? { accept_license: true } : {}) }).then(transfer => {
      setStarting(undefined)
      onNotify({ text: `getting ${model.name} (license ${model.license})`, kind: 'info' })
      props.onStarted(transfer)
    }, (err: unknown) => {
      setStarting(undefined)
      if ((err as { code?: string }).code === 'policy' && !accept) setAsk({ model, message: (err as Error).message })
      else onNotify(errorNotice(`could not get ${model.name}`, err))
    })
  }

  const list = results ?? []
  useKeys((input, key) => {
    if (ask !== undefined) {
      if (input === 'y' || input === 'Y') start(ask.model, true)
      if (input === 'y' || input === 'Y' || input === 'n' || input === 'N' || key.escape) setAsk(undefined)
      return
    }
    const page = Math.max(1, height - 3)
    if (key.upArrow) setIndex(i => Math.max(0, i - 1))
    else if (key.downArrow) setIndex(i => Math.min(list.length - 1, i + 1))
    else if (key.pageUp) setIndex(i => Math.max(0, i - page))
    else if (key.pageDown) setIndex(i => Math.max(0, Math.min(list.length - 1, i + page)))
    else if (key.return) {
      const m = list[index]
      if (m !== undefined && starting === undefined) start(m, false)
    } else if (key.escape) {
      if (query === '') props.onBack()
      else setQuery('')
    } else setQuery(q => editText(q, input, key))
  }, { isActive: active })

  const { columns, nameWidth } = layout(width)
  const visible = Math.max(1, height - 3)
  const selected = list[Math.min(index, list.length - 1)]
  const { start: first, end } = scrollWindow(list.length, index, visible)
  return (
    <Box flexDirection='column' width={width} height={height}>
      <Text wrap='truncate'><Text bold>Search: </Text>{query}<Text inverse> </Text>{results === undefined ? '' : `  ${list.length} result${list.length === 1 ? '' : 's'}`}</Text>
      <Text bold wrap='truncate'>{`  ${columns.map(c => c === 'name' ? fit(HEADINGS[c], nameWidth) : fit(HEADINGS[c], WIDTHS[c], RIGHT.has(c) ? 'right' : 'left')).join(' ')}`}</Text>
      <Box flexDirection='column' height={visible}>
        {error !== undefined
          ? <Text color={tone('red')} wrap='truncate'>{`search failed: ${error.message}`}</Text>
          : results === undefined
            ? <Text dimColor>searching…</Text>
            : list.length === 0
              ? <Text dimColor>{query === '' ? 'the catalog is empty: nothing discovered on the network yet' : `nothing matches "${query}"`}</Text>
              : list.slice(first, end).map((m, i) => (
                <Text key={`${m.publisher}/${m.name}@${m.revision}`} wrap='truncate' inverse={first + i === index}>
                  {first + i === index ? '› ' : '  '}{columns.map(c => cell(m, c, nameWidth)).join(' ')}
                </Text>
              ))}
      </Box>
      {ask !== undefined
        ? <Text color={tone('yellow')} wrap='truncate'>{`Accept the license "${ask.model.license}" of ${ask.model.name} and download? (y/n)  ${ask.message}`}</Text>
        : <Text dimColor wrap='truncate'>{selected === undefined ? 'type to search  Esc back  Tab next view' : `${selected.description === '' ? selected.name : selected.description}  ·  Enter get  Esc clear/back  Tab next view`}</Text>}
    </Box>
  )
}

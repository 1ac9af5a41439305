import { Box, Text } from 'ink'
import { useEffect, useMemo, useState } from 'react'
import type { TransferInfo } from '../api/types.js'
import type { TuiApi } from './api.js'
import { layoutColumns } from './columns.js'
import { errorNotice, type Notify } from './messages.js'
import { TransferDetails } from './TransferDetails.js'
import { TransferHeader, TransferRow } from './TransferRow.js'
import { filterTransfers, isPausable, nextSortKey, sortTransfers, type SortKey } from './transfer-order.js'
import { editText } from './text-input.js'
import { useTone } from './theme.js'
import { scrollWindow } from './scroll.js'
import { useKeys } from './use-keys.js'

export interface TransfersViewProps {
  api: TuiApi
  transfers: TransferInfo[]
  loaded: boolean
  /** This view gets the keyboard. */
  active: boolean
  width: number
  height: number
  /** A transfer to select, e.g. the one Discover just started. */
  focusId?: string | undefined
  onUpsert (transfer: TransferInfo): void
  onNotify: Notify
  /** Tells the app this view takes typed text (filter, prompts), so global keys stand down. */
  onCapture (capturing: boolean): void
}

export function TransfersView (props: TransfersViewProps): JSX.Element {
  const { api, transfers, active, width, height, onNotify, onUpsert } = props
  const tone = useTone()
  const [sortKey, setSortKey] = useState<SortKey>('name')
  const [filter, setFilter] = useState('')
  const [editingFilter, setEditingFilter] = useState(false)
  const [selectedId, setSelectedId] = useState<string | undefined>(props.focusId)
  const [detailsId, setDetailsId] = useState<string>()
  const [confirmCancel, setConfirmCancel] = useState<TransferInfo>()

  useEffect(() => { if (props.focusId !== undefined) { setSelectedId(props.focusId); setDetailsId(undefined) } }, [props.focusId])
  const capturing = editingFilter || confirmCancel !== undefined
  useEffect(() => { props.onCapture(capturing) }, [capturing])

  const rows = useMemo(() => sortTransfers(filterTransfers(transfers, filter), sortKey), [transfers, filter, sortKey])
  const found = rows.findIndex(t => t.id === selectedId)
  const index = found === -1 ? 0 : found
  const selected = rows[index]
  const details = detailsId === undefined ? undefined : transfers.find(t => t.id === detailsId)

  const act = (done: string, failed: string, run: () => Promise<TransferInfo | void>): void => {
    run().then(result => {
      if (result !== undefined) onUpsert(result)
      onNotify({ text: done, kind: 'info' })
    }, err => { onNotify(errorNotice(failed, err)) })
  }
  const togglePause = (t: TransferInfo): void => {
    if (isPausable(t)) act(`paused ${t.name}`, `could not pause ${t.name}`, async () => await api.pause(t.id))
    else act(`resumed ${t.name}`, `could not resume ${t.name}`, async () => await api.resume(t.id))
  }
  const toggleAll = (): void => {
    const pause = transfers.some(isPausable)
    const targets = transfers.filter(t => pause ? isPausable(t) : t.paused)
    if (targets.length === 0) return
    const count = `${targets.length} transfer${targets.length === 1 ? '' : 's'}`
    act(`${pause ? 'paused' : 'resumed'} ${count}`, `could not ${pause ? 'pause' : 'resume'} all`, async () => {
      for (const t of targets) onUpsert(await (pause ? api.pause(t.id) : api.resume(t.id)))
    })
  }

  useKeys((input, key) => {
    if (confirmCancel !== undefined) {
      if (input === 'y' || input === 'Y') {
        const t = confirmCancel
        act(`cancelled ${t.name}`, `could not cancel ${t.name}`, async () => { await api.cancel(t.id) })
        if (detailsId === t.id) setDetailsId(undefined)
      }
      if (input === 'y' || input === 'Y' || input === 'n' || input === 'N' || key.escape) setConfirmCancel(undefined)
      return
    }
    if (editingFilter) {
      if (key.return) setEditingFilter(false)
      else if (key.escape) { setFilter(''); setEditingFilter(false) } else setFilter(f => editText(f, input, key))
      return
    }
    const target = details ?? selected
    if (details !== undefined) {
      if (key.escape || key.return || key.leftArrow || key.backspace || key.delete) { setDetailsId(undefined); return }
    } else {
      const move = (to: number): void => { const t = rows[Math.max(0, Math.min(rows.length - 1, to))]; if (t !== undefined) setSelectedId(t.id) }
      const page = Math.max(1, height - 3)
      if (key.upArrow || input === 'k') move(index - 1)
      else if (key.downArrow || input === 'j') move(index + 1)
      else if (key.pageUp) move(index - page)
      else if (key.pageDown) move(index + page)
      else if (input === 'g') move(0)
      else if (input === 'G') move(rows.length - 1)
      else if (key.return && selected !== undefined) setDetailsId(selected.id)
      else if (key.escape && filter !== '') setFilter('')
      else if (input === 's') setSortKey(nextSortKey)
      else if (input === '/') setEditingFilter(true)
      else if (input === 'P') toggleAll()
    }
    if (target === undefined) return
    if (input === 'p') togglePause(target)
    else if (input === 'x') setConfirmCancel(target)
  }, { isActive: active })

  const prompt = confirmCancel !== undefined
    ? <Text color={tone('yellow')} wrap='truncate'>{`Cancel ${confirmCancel.name} and delete its partial files? (y/n)`}</Text>
    : editingFilter
      ? <Text wrap='truncate'>{`Filter: ${filter}▏  (Enter keep, Esc clear)`}</Text>
      : <Text dimColor wrap='truncate'>{hints(details !== undefined, filter, sortKey)}</Text>

  if (details !== undefined) {
    return (
      <Box flexDirection='column' width={width} height={height}>
        <TransferDetails api={api} transfer={details} width={width} height={height - 1} />
        {prompt}
      </Box>
    )
  }

  const layout = layoutColumns(width)
  const visible = Math.max(1, height - 2)
  const { start, end } = scrollWindow(rows.length, index, visible)
  return (
    <Box flexDirection='column' width={width} height={height}>
      <TransferHeader layout={layout} />
      <Box flexDirection='column' height={visible}>
        {rows.length === 0
          ? <Text dimColor>{emptyText(props.loaded, transfers.length, filter)}</Text>
          : rows.slice(start, end).map(t => <TransferRow key={t.id} transfer={t} layout={layout} selected={t.id === selected?.id} />)}
      </Box>
      {prompt}
    </Box>
  )
}

function emptyText (loaded: boolean, total: number, filter: string): string {
  if (!loaded) return 'waiting for the daemon\'s list of transfers…'
  if (total > 0) return `no transfer matches "${filter}" (Esc clears the filter)`
  return 'no transfers yet: press 2 to discover a model, or run "silmaril get <name>"'
}

function hints (details: boolean, filter: string, sortKey: SortKey): string {
  if (details) return 'Esc back  p pause/resume  x cancel  q quit'
  const filtered = filter === '' ? '' : `  filter "${filter}"`
  return `↑↓/jk move  Enter details  p pause/resume  P all  x cancel  s sort (${sortKey})  / filter${filtered}  ? help  q quit`
}

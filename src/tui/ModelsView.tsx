import { Box, Text } from 'ink'
import { useEffect, useState } from 'react'
import type { LocalModel, TransferInfo } from '../api/types.js'
import type { TuiApi } from './api.js'
import { fit, formatBytes, formatRate } from './format.js'
import { errorNotice, type Notify } from './messages.js'
import { scrollWindow } from './scroll.js'
import { useTone } from './theme.js'
import { usePoll } from './use-poll.js'
import { useKeys } from './use-keys.js'

/** The local model list is asked for again this often while the view shows. */
export const MODELS_POLL_MS = 5000

export interface ModelsViewProps {
  api: TuiApi
  /** Live transfers, to tell a model still downloading or paused from one seeding. */
  transfers: TransferInfo[]
  active: boolean
  width: number
  height: number
  onNotify: Notify
  onCapture (capturing: boolean): void
  pollMs?: number
}

export type ModelState = 'seeding' | 'paused' | 'incomplete' | 'stopped' | 'error'

export function modelState (model: LocalModel, transfers: TransferInfo[]): ModelState {
  if (model.error !== undefined) return 'error'
  const transfer = transfers.find(t => model.infohash !== undefined && t.infohash === model.infohash)
  if (transfer?.paused === true) return 'paused'
  if (transfer !== undefined && transfer.state !== 'seeding') return 'incomplete'
  return model.seeding === true || transfer?.state === 'seeding' ? 'seeding' : 'stopped'
}

export function ModelsView (props: ModelsViewProps): JSX.Element {
  const { api, active, width, height, onNotify } = props
  const tone = useTone()
  const { data, error, refresh } = usePoll(async () => await api.models(), props.pollMs ?? MODELS_POLL_MS)
  const [index, setIndex] = useState(0)
  const [confirm, setConfirm] = useState<LocalModel>()
  useEffect(() => { props.onCapture(confirm !== undefined) }, [confirm])

  const models = data ?? []
  const selected = models[Math.min(index, models.length - 1)]

  const act = (done: string, failed: string, run: () => Promise<unknown>): void => {
    run().then(() => { onNotify({ text: done, kind: 'info' }); refresh() }, err => { onNotify(errorNotice(failed, err)) })
  }

  useKeys((input, key) => {
    if (confirm !== undefined) {
      if (input === 'y' || input === 'Y') act(`stopped sharing ${confirm.name}`, `could not unshare ${confirm.name}`, async () => await api.unshare(confirm.name))
      if (input === 'y' || input === 'Y' || input === 'n' || input === 'N' || key.escape) setConfirm(undefined)
      return
    }
    if (key.upArrow || input === 'k') setIndex(i => Math.max(0, i - 1))
    else if (key.downArrow || input === 'j') setIndex(i => Math.min(models.length - 1, i + 1))
    else if (input === 'r') refresh()
    else if (selected === undefined) return
    else if (input === 's') {
      onNotify({ text: `sharing ${selected.name}…`, kind: 'info' })
      act(`sharing ${selected.name}`, `could not share ${selected.name}`, async () => await api.share(selected.name))
    } else if (input === 'u') setConfirm(selected)
  }, { isActive: active })

  const visible = Math.max(1, height - 3)
  const wide = width >= 100
  const nameWidth = Math.max(12, Math.min(32, width - (wide ? 70 : 40)))
  const { start, end } = scrollWindow(models.length, index, visible)
  const header = `  ${fit('NAME', nameWidth)} ${fit('STATE', 10)} ${fit('SIZE', 9, 'right')} ${fit('PEERS', 5, 'right')} ${fit('↑', 10, 'right')}${wide ? ` ${fit('LICENSE', 12)}` : ''} PATH`
  return (
    <Box flexDirection='column' width={width} height={height}>
      <Text bold wrap='truncate'>{header}</Text>
      <Box flexDirection='column' height={visible}>
        {error !== undefined && data === undefined
          ? <Text color={tone('red')} wrap='truncate'>{`could not list models: ${error.message}`}</Text>
          : data === undefined
            ? <Text dimColor>loading…</Text>
            : models.length === 0
              ? <Text dimColor wrap='truncate'>{'no local models yet: share a folder with "silmaril share <path> --license <id>", or get one from Discover'}</Text>
              : models.slice(start, end).map((m, i) => {
                const state = modelState(m, props.transfers)
                const colour = state === 'seeding' ? tone('green') : state === 'error' ? tone('red') : state === 'stopped' ? tone('gray') : tone('yellow')
                return (
                  <Text key={m.name} wrap='truncate' inverse={start + i === index}>
                    {start + i === index ? '› ' : '  '}{fit(m.revision === 'main' ? m.name : `${m.name}@${m.revision}`, nameWidth)} <Text color={colour}>{fit(state, 10)}</Text>
                    {` ${fit(formatBytes(m.size), 9, 'right')} ${fit(m.peers === undefined ? '-' : String(m.peers), 5, 'right')} ${fit(formatRate(m.upload_bps ?? 0), 10, 'right')}${wide ? ` ${fit(m.license, 12)}` : ''} ${m.error ?? m.path}`}
                  </Text>
                )
              })}
      </Box>
      {error !== undefined && data !== undefined ? <Text color={tone('red')} wrap='truncate'>{`refresh failed: ${error.message}`}</Text> : null}
      {confirm !== undefined
        ? <Text color={tone('yellow')} wrap='truncate'>{`Stop sharing ${confirm.name} and withdraw it from the catalog? Files stay on disk. (y/n)`}</Text>
        : <Text dimColor wrap='truncate'>↑↓/jk move  s share (re-seed)  u unshare  r refresh  Tab next view  ? help  q quit</Text>}
    </Box>
  )
}

import { Box, Text } from 'ink'
import type { NodeSnapshot, TransferInfo } from '../api/types.js'
import type { TuiApi } from './api.js'
import { formatAgo, formatBytes, formatRate } from './format.js'
import { useTone } from './theme.js'
import { usePoll } from './use-poll.js'
import { formatDuration } from '../cli/output.js'
import { useKeys } from './use-keys.js'

/** `/api/v1/status` is asked for again this often while the view shows. */
export const NETWORK_POLL_MS = 2000

export interface NetworkViewProps {
  api: TuiApi
  transfers: TransferInfo[]
  active: boolean
  width: number
  height: number
  pollMs?: number
  /** The clock for "ago" labels; tests pin it. */
  now?: () => number
}

function Row ({ label, children }: { label: string, children: string }): JSX.Element {
  return <Text wrap='truncate'><Text bold>{label.padEnd(16)}</Text>{children}</Text>
}

function counts (record: Record<string, number>): string {
  const entries = Object.entries(record).filter(([, n]) => n > 0)
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(' · ')
}

export function NetworkView (props: NetworkViewProps): JSX.Element {
  const { api, active, width, height } = props
  const tone = useTone()
  const { data, error, refresh } = usePoll(async () => await api.status(), props.pollMs ?? NETWORK_POLL_MS)
  useKeys(input => { if (input === 'r') refresh() }, { isActive: active })
  const footer = <Text dimColor wrap='truncate'>r refresh  Tab next view  ? help  q quit</Text>
  if (data === undefined) {
    return (
      <Box flexDirection='column' width={width} height={height}>
        <Box height={Math.max(1, height - 1)}>
          {error === undefined ? <Text dimColor>loading…</Text> : <Text color={tone('red')} wrap='truncate'>{`could not read the daemon's status: ${error.message}`}</Text>}
        </Box>
        {footer}
      </Box>
    )
  }
  return (
    <Box flexDirection='column' width={width} height={height}>
      <Box flexDirection='column' height={Math.max(1, height - 1)}>
        <NetworkBody snapshot={data} transfers={props.transfers} now={props.now?.() ?? Date.now()} />
        {error !== undefined ? <Text color={tone('red')} wrap='truncate'>{`refresh failed: ${error.message}`}</Text> : null}
      </Box>
      {footer}
    </Box>
  )
}

export function NetworkBody ({ snapshot: s, transfers, now }: { snapshot: NodeSnapshot, transfers: TransferInfo[], now: number }): JSX.Element {
  const tone = useTone()
  const c = s.catalog
  const downloaded = transfers.reduce((sum, t) => sum + t.downloaded_bytes, 0)
  const uploaded = transfers.reduce((sum, t) => sum + t.uploaded_bytes, 0)
  const dht = !s.dht.enabled ? 'off' : `${s.dht.ready ? 'ready' : 'joining'} · ${s.dht.nodes} node${s.dht.nodes === 1 ? '' : 's'} known · port ${s.dht.port ?? '-'}`
  return (
    <Box flexDirection='column'>
      <Row label='node'>{`silmaril ${s.version} · pid ${s.pid} · up ${formatDuration(s.uptime_s)} · ${s.data_dir}`}</Row>
      <Row label='publisher'>{`${s.publisher.fingerprint}  ${s.publisher.id}`}</Row>
      <Text wrap='truncate'><Text bold>{'DHT'.padEnd(16)}</Text><Text color={s.dht.enabled && !s.dht.ready ? tone('yellow') : undefined}>{dht}</Text></Text>
      <Row label='torrent port'>{String(s.torrent.port ?? '-')}</Row>
      <Text> </Text>
      {c === null
        ? <Text dimColor>catalog not started yet</Text>
        : <>
          <Row label='catalog'>{`${c.entries} entries (${c.live} live) · ${c.publishers_known} publisher${c.publishers_known === 1 ? '' : 's'} known · refreshed ${formatAgo(c.last_refresh, now)}${c.refreshing ? ' · refreshing…' : ''}`}</Row>
          <Row label='catalog torrent'>{c.infohash ?? 'not seeding one yet'}</Row>
          <Row label='own pointer'>{`seq ${c.own_slot.seq ?? '-'} · ${c.own_slot.infohash ?? 'not published yet'}`}</Row>
          <Row label='shared pointer'>{`${c.shared_slot.infohash ?? 'not read yet'}${c.shared_slot.last === null ? '' : ` · last write ${c.shared_slot.last}`}`}</Row>
          <Text wrap='truncate'><Text bold>{'rejected'.padEnd(16)}</Text><Text color={Object.values(c.rejected).some(n => n > 0) ? tone('yellow') : undefined}>{counts(c.rejected)}</Text></Text>
          <Row label='pointers'>{counts(c.pointers)}</Row>
        </>}
      <Text> </Text>
      <Row label='transfers'>{`${s.transfers.total} (${s.transfers.downloading} downloading, ${s.transfers.seeding} seeding) · ${s.peers} peer${s.peers === 1 ? '' : 's'}`}</Row>
      <Row label='rates'>{`↓ ${formatRate(s.rates.download_bps)}  ↑ ${formatRate(s.rates.upload_bps)}`}</Row>
      <Row label='totals'>{`↓ ${formatBytes(downloaded)}  ↑ ${formatBytes(uploaded)}  (transfers of this session)`}</Row>
      {s.tasks.length > 0 ? <Row label='tasks'>{s.tasks.map(t => `${t.kind} ${t.name}`).join(' · ')}</Row> : null}
    </Box>
  )
}

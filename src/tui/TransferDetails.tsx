import { Box, Text } from 'ink'
import { fingerprint } from '../fingerprint.js'
import type { TransferFile, TransferInfo, TransferPeer } from '../api/types.js'
import type { TuiApi } from './api.js'
import { fit, formatBytes, formatEta, formatPercent, formatRate, formatRatio, progressBar } from './format.js'
import { stateTone } from './TransferRow.js'
import { useTone } from './theme.js'
import { useTransferDetails } from './use-transfer-details.js'

export interface TransferDetailsProps {
  api: TuiApi
  /** The summary from the event stream; details are fetched from the API. */
  transfer: TransferInfo
  width: number
  height: number
}

function Field ({ label, children }: { label: string, children: string }): JSX.Element {
  return <Text wrap='truncate'><Text bold>{label.padEnd(14)}</Text>{children}</Text>
}

export function TransferDetails ({ api, transfer, width, height }: TransferDetailsProps): JSX.Element {
  const tone = useTone()
  const { details, error } = useTransferDetails(api, transfer)
  // The stream's numbers are the freshest; the fetched record adds files, peers and verification.
  const t: TransferInfo = { ...details, ...transfer, files: details?.files, peer_list: details?.peer_list, verification: details?.verification }
  const state = t.paused ? 'paused' : t.state
  const files = t.files ?? []
  const peers = t.peer_list ?? []
  const verification = t.verification
  const magnetLines = Math.ceil((14 + t.magnet.length) / Math.max(1, width))
  const fixed = 8 + magnetLines + (t.error === null ? 0 : 1) + (error === undefined ? 0 : 1)
  const { fileRows, peerRows } = splitRows(Math.max(2, height - fixed), Math.max(1, files.length), Math.max(1, peers.length))
  return (
    <Box flexDirection='column' width={width} height={height}>
      <Text wrap='truncate'>
        <Text bold>{t.name}</Text>{t.revision === null ? '' : `@${t.revision}`}{'  '}
        <Text color={stateTone(state, tone)}>{state}</Text>
        {`  ${formatPercent(t.progress)} of ${formatBytes(t.total_bytes)}  ↓ ${formatRate(t.download_bps)}  ↑ ${formatRate(t.upload_bps)}  ETA ${formatEta(t.eta_s)}  ratio ${formatRatio(t.ratio)}`}
      </Text>
      <Field label='publisher'>{`${t.publisher === null ? '-' : fingerprint(t.publisher)}   license ${t.license ?? '-'}`}</Field>
      <Field label='path'>{t.path ?? '-'}</Field>
      <Field label='infohash v1'>{t.infohash}</Field>
      <Field label='infohash v2'>{t.infohash_v2 ?? '-'}</Field>
      {/* Wrapped rather than cut: people copy it. */}
      <Text><Text bold>{'magnet'.padEnd(14)}</Text>{t.magnet}</Text>
      <Text wrap='truncate'>
        <Text bold>{'verification'.padEnd(14)}</Text>
        {verification === undefined
          ? '-'
          : <Text color={verification.state === 'passed' ? tone('green') : verification.state === 'failed' ? tone('red') : undefined}>{`${verification.state}${verification.detail === null ? '' : `: ${verification.detail}`}`}</Text>}
      </Text>
      {t.error !== null ? <Text color={tone('red')} wrap='truncate'>{`error ${t.error.code}: ${t.error.message}`}</Text> : null}
      {error !== undefined ? <Text color={tone('red')} wrap='truncate'>{`could not load details: ${error.message}`}</Text> : null}
      <Text bold>{`Files (${files.length})`}</Text>
      {files.length === 0 ? <Text dimColor>{details === undefined ? '  loading…' : '  none known yet'}</Text> : null}
      {files.slice(0, fileRows).map(f => <FileRow key={f.path} file={f} width={width} />)}
      {files.length > fileRows ? <Text dimColor>{`  … ${files.length - fileRows} more`}</Text> : null}
      <Text bold>{`Peers (${peers.length})`}</Text>
      {peers.length === 0 ? <Text dimColor>  no peers connected</Text> : null}
      {peers.slice(0, peerRows).map(p => <PeerRow key={`${p.source}:${p.address}`} peer={p} width={width} />)}
    </Box>
  )
}

function FileRow ({ file, width }: { file: TransferFile, width: number }): JSX.Element {
  const fraction = file.size === 0 ? 1 : file.done_bytes / file.size
  const bar = width >= 60 ? `${progressBar(fraction, 10)} ` : ''
  const name = fit(file.path, Math.max(8, width - bar.length - 18))
  return (
    <Text wrap='truncate' dimColor={!file.selected}>
      {`  ${bar}${fit(file.selected ? formatPercent(fraction) : 'skip', 4, 'right')} ${name} ${fit(formatBytes(file.size), 9, 'right')}`}
    </Text>
  )
}

function PeerRow ({ peer, width }: { peer: TransferPeer, width: number }): JSX.Element {
  const address = fit(peer.address, 22)
  const client = width >= 70 ? `${fit(peer.client, 20)} ` : ''
  return <Text wrap='truncate'>{`  ${address} ${client}↓ ${fit(formatRate(peer.download_bps), 10, 'right')}  ↑ ${fit(formatRate(peer.upload_bps), 10, 'right')}  ${peer.source}`}</Text>
}

/** Lines for files and peers: both lists whole when they fit, else peers get up to half. */
export function splitRows (room: number, files: number, peers: number): { fileRows: number, peerRows: number } {
  if (files + peers <= room) return { fileRows: files, peerRows: peers }
  const peerRows = Math.max(1, Math.min(peers, Math.floor(room / 2)))
  // One line of the files' share says how many more there are.
  return { fileRows: Math.max(1, Math.min(files, room - peerRows - 1)), peerRows }
}

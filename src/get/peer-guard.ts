import type { Torrent, Wire } from 'webtorrent'
import type { TransferPeer } from '../api/types.js'

export interface GuardedWire extends Wire {
  peerExtendedHandshake?: { v?: unknown }
  type?: string
}

/**
 * Bans peers that send pieces failing verification: each piece remembers the wires that sent
 * its blocks; when webtorrent reports the piece bad, those wires are dropped and their peer ids
 * and addresses refused from then on (addresses with their port: on one host, peers differ by port).
 */
export class PeerGuard {
  readonly #senders = new Map<number, Set<GuardedWire>>()
  readonly #bannedIds = new Set<string>()
  readonly #bannedAddresses = new Set<string>()
  readonly #onBan: (address: string, piece: number) => void
  #failedPieces = 0

  constructor (torrent: Torrent, onBan: (address: string, piece: number) => void) {
    this.#onBan = onBan
    torrent.on('wire', (wire: GuardedWire) => { this.#watch(wire) })
    torrent.on('verified', (index: number) => { this.#senders.delete(index) })
    torrent.on('warning', (err: Error) => {
      const failed = /^Piece (\d+) failed verification/.exec(err.message)
      if (failed !== null) this.#failed(Number(failed[1]))
    })
  }

  get banned (): number { return this.#bannedIds.size }
  get failedPieces (): number { return this.#failedPieces }

  #watch (wire: GuardedWire): void {
    if (this.#isBanned(wire)) { wire.destroy(); return }
    wire.on('piece', (index: number) => {
      let senders = this.#senders.get(index)
      if (senders === undefined) this.#senders.set(index, senders = new Set())
      senders.add(wire)
    })
    wire.once('close', () => { for (const senders of this.#senders.values()) senders.delete(wire) })
  }

  #failed (index: number): void {
    this.#failedPieces++
    for (const wire of this.#senders.get(index) ?? []) {
      if (wire.type === 'webSeed') continue
      const address = `${wire.remoteAddress}:${wire.remotePort}`
      if (typeof wire.peerId === 'string' && wire.peerId !== '') this.#bannedIds.add(wire.peerId)
      this.#bannedAddresses.add(address)
      this.#onBan(address, index)
      wire.destroy()
    }
    this.#senders.delete(index)
  }

  #isBanned (wire: GuardedWire): boolean {
    return this.#bannedIds.has(wire.peerId) || this.#bannedAddresses.has(`${wire.remoteAddress}:${wire.remotePort}`)
  }
}

/** The connected peers of a torrent as the API shows them; web seeds are the HTTP origin. */
export function peerRows (torrent: Torrent | undefined): TransferPeer[] {
  return (torrent?.wires ?? []).map(wire => {
    const w = wire as GuardedWire & { url?: string }
    const origin = w.type === 'webSeed'
    return {
      address: origin ? String(w.url ?? 'origin') : `${wire.remoteAddress}:${wire.remotePort}`,
      client: origin ? 'HTTP origin' : peerClient(w),
      download_bps: Math.round(wire.downloadSpeed()),
      upload_bps: Math.round(wire.uploadSpeed()),
      source: origin ? 'origin' : 'swarm'
    }
  })
}

/** A readable client name from the extended handshake's `v`, else the Azureus-style peer id. */
export function peerClient (wire: GuardedWire): string {
  const v = wire.peerExtendedHandshake?.v
  if (typeof v === 'string' && v !== '') return v
  if (v instanceof Uint8Array && v.length > 0) return Buffer.from(v).toString('utf8')
  const id = typeof wire.peerId === 'string' ? Buffer.from(wire.peerId, 'hex').toString('latin1') : ''
  const azureus = /^-([A-Za-z]{2})(\w{4})-/.exec(id)
  if (azureus === null) return 'unknown'
  const names: Record<string, string> = { WW: 'WebTorrent', LT: 'libtorrent', qB: 'qBittorrent', TR: 'Transmission', DE: 'Deluge' }
  return `${names[azureus[1]!] ?? azureus[1]!} ${azureus[2]!}`
}

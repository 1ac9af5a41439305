import { createSocket, type Socket } from 'node:dgram'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import bencode from 'bencode'

/**
 * An open-loop KRPC load generator over loopback UDP: queries are pre-encoded templates whose
 * 4-byte transaction id is patched in place, so sending costs one socket write. Every reply's
 * latency is recorded by transaction id.
 */

const TID_BYTES = 4
const RECV_BUFFER_BYTES = 8 * 1024 * 1024
/** A step waits for its last replies until none came for this long (the rest are lost), at most DRAIN_MAX_MS. */
const DRAIN_QUIET_MS = 250
const DRAIN_MAX_MS = 5000
/** Timer pacing sends what is due every this often (a burst of rate / 1000 queries per ms). */
const PUMP_INTERVAL_MS = 1

/**
 * How the open loop waits between sends. `spin` loops on setImmediate and sends each query when it
 * is due: even arrivals, as from many independent clients, and a generator that never sleeps, so
 * the node's replies do not pay for waking it (on loopback the sender's syscall delivers the
 * datagram). It takes a whole core: only for a generator pinned away from the node under test.
 * `timer` wakes every PUMP_INTERVAL_MS and sends what is due as one burst.
 */
export type Pacing = 'spin' | 'timer'

export interface Template {
  bytes: Buffer
  /** Offset of the transaction id inside `bytes`. */
  tidOffset: number
}

/** Encodes `{t, y:'q', q, a}` with a placeholder transaction id and finds where it sits. */
export function template (q: string, a: Record<string, unknown>): Template {
  const marker = Buffer.from([0xfe, 0xed, 0xfa, 0xce])
  const bytes = Buffer.from(bencode.encode({ t: marker, y: 'q', q, a }))
  const tidOffset = bytes.indexOf(Buffer.concat([Buffer.from(`1:t${TID_BYTES}:`), marker]))
  if (tidOffset === -1) throw new Error('cannot find the transaction id in the template')
  return { bytes, tidOffset: tidOffset + 3 + String(TID_BYTES).length + 1 }
}

export interface StepResult {
  target_qps: number
  sent: number
  answered: number
  /** Replies per second over the step. */
  answered_qps: number
  /** CPU seconds this generator spent in the step (a saturated generator caps the result). */
  generator_cpu_s: number
  /** The generator's longest event-loop stall in the step: replies it read late look slow by that much. */
  generator_stall_ms: number
  loss_pct: number
  p50_ms: number
  p99_ms: number
  max_ms: number
  /** p99 of each `windowMs` slice of the step, by send time: a pooled p99 over a long step hides a bad moment. */
  window_p99_ms: number[]
}

export interface LoadGenerator {
  /** One query and its parsed reply (for tokens); rejects after `timeoutMs`. */
  ask (q: string, a: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>
  /** Sends templates from `next()` at `rate` per second for `durationMs`, open loop. */
  step (rate: number, durationMs: number, next: (i: number) => Template, windowMs?: number): Promise<StepResult>
  /** Sends every template with at most `window` unanswered at once; resolves with how many were answered. */
  closedLoop (templates: Template[], window: number, timeoutMs: number): Promise<number>
  close (): Promise<void>
}

export async function createLoadGenerator (target: { host: string, port: number }, pacing: Pacing = 'timer'): Promise<LoadGenerator> {
  const socket: Socket = createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER_BYTES })
  await new Promise<void>(resolve => { socket.bind(0, '127.0.0.1', resolve) })
  // Connected, a send skips dgram's per-destination lookup (a nextTick each) and the kernel's route
  // lookup: the generator's own cost per query, and its share of the machine, are what it can save.
  await new Promise<void>(resolve => { socket.connect(target.port, target.host, resolve) })
  let nextTid = 1
  const sentAt = new Map<number, number>()
  let onReply: (tid: number, latencyMs: number, datagram: Buffer) => void = () => {}
  socket.on('message', (datagram: Buffer) => {
    // Keys are sorted, so `t` follows `r` or `e`, whose binary values may hold the same bytes.
    const at = datagram.lastIndexOf('1:t4:')
    if (at === -1) return
    const tid = datagram.readUInt32BE(at + 5)
    const sent = sentAt.get(tid)
    if (sent === undefined) return
    sentAt.delete(tid)
    onReply(tid, performance.now() - sent, datagram)
  })
  const send = (tpl: Template): number => {
    const tid = nextTid
    nextTid = nextTid === 0xffffffff ? 1 : nextTid + 1
    // libuv may still hold a queued datagram's buffer, so each send gets its own copy.
    const bytes = Buffer.allocUnsafe(tpl.bytes.length)
    tpl.bytes.copy(bytes)
    bytes.writeUInt32BE(tid, tpl.tidOffset)
    sentAt.set(tid, performance.now())
    socket.send(bytes)
    return tid
  }

  /** Waits for replies still queued (bounded): until none is missing or none came for DRAIN_QUIET_MS. */
  const drain = async (): Promise<void> => {
    const deadline = performance.now() + DRAIN_MAX_MS
    let last = sentAt.size
    let quietSince = performance.now()
    while (sentAt.size > 0 && performance.now() < deadline && performance.now() - quietSince < DRAIN_QUIET_MS) {
      await new Promise(resolve => setTimeout(resolve, 25))
      if (sentAt.size !== last) {
        last = sentAt.size
        quietSince = performance.now()
      }
    }
  }

  return {
    ask: async (q, a, timeoutMs = 2000) => await new Promise((resolve, reject) => {
      const tid = send(template(q, a))
      const timer = setTimeout(() => { reject(new Error(`no reply to ${q}`)) }, timeoutMs)
      onReply = (replied, _ms, datagram) => {
        if (replied !== tid) return
        clearTimeout(timer)
        onReply = () => {}
        resolve((bencode.decode(datagram) as { r?: Record<string, unknown> }).r ?? {})
      }
    }),

    step: async (rate, durationMs, next, windowMs = durationMs) => {
      sentAt.clear()
      const latencies: number[] = []
      const windows: number[][] = Array.from({ length: Math.ceil(durationMs / windowMs) }, () => [])
      let sent = 0
      const cpu = process.cpuUsage()
      const stalls = monitorEventLoopDelay({ resolution: 1 })
      stalls.enable()
      const started = performance.now()
      onReply = (_tid, ms) => {
        latencies.push(ms)
        // By when the query was sent, so a late reply counts against the moment that made it late.
        windows[Math.floor((performance.now() - ms - started) / windowMs)]?.push(ms)
      }
      await new Promise<void>(resolve => {
        const pump = (): void => {
          const elapsed = performance.now() - started
          const due = Math.min(Math.floor(elapsed * rate / 1000), Math.floor(durationMs * rate / 1000))
          while (sent < due) send(next(sent++))
          if (elapsed >= durationMs) resolve()
          else if (pacing === 'spin') setImmediate(pump)
          else setTimeout(pump, PUMP_INTERVAL_MS)
        }
        pump()
      })
      await drain()
      onReply = () => {}
      sentAt.clear()
      stalls.disable()
      const used = process.cpuUsage(cpu)
      latencies.sort((x, y) => x - y)
      const pick = (q: number, sorted = latencies): number => sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
      return {
        target_qps: rate,
        sent,
        answered: latencies.length,
        answered_qps: Math.round(latencies.length / (durationMs / 1000)),
        generator_cpu_s: (used.user + used.system) / 1e6,
        generator_stall_ms: Math.round(stalls.max / 1e5) / 10,
        loss_pct: sent === 0 ? 0 : 100 * (sent - latencies.length) / sent,
        p50_ms: pick(0.5),
        p99_ms: pick(0.99),
        max_ms: latencies.at(-1) ?? Number.NaN,
        window_p99_ms: windows.map(window => pick(0.99, window.sort((x, y) => x - y)))
      }
    },

    closedLoop: async (templates, window, timeoutMs) => {
      sentAt.clear()
      let answered = 0
      let next = 0
      await new Promise<void>(resolve => {
        let timer: NodeJS.Timeout | undefined
        const settle = (): void => {
          clearTimeout(timer)
          if (next >= templates.length && sentAt.size === 0) { resolve(); return }
          while (next < templates.length && sentAt.size < window) send(templates[next++]!)
          // A lost datagram must not stall the loop: forget what is older than the timeout.
          timer = setTimeout(() => {
            const cutoff = performance.now() - timeoutMs
            for (const [tid, at] of sentAt) if (at < cutoff) sentAt.delete(tid)
            settle()
          }, timeoutMs)
        }
        onReply = () => { answered++; settle() }
        settle()
      })
      onReply = () => {}
      return answered
    },

    close: async () => { await new Promise<void>(resolve => { socket.close(() => { resolve() }) }) }
  }
}

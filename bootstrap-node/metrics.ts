import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { CatalogStatus } from '../src/catalog/catalog-service.js'
import { VERSION } from '../src/version.js'
import type { KeeperStats } from './keeper.js'
import { QUERY_TYPES, type GuardStats } from './query-guard.js'

const PREFIX = 'silmaril_bootstrap_'

/** What the metrics read at each scrape; nothing is counted twice on the query path. */
export interface MetricsSource {
  nodeId: string
  dhtNodes: () => number
  guard: GuardStats
  store: { size: number, capacity: number, evicted: number }
  /** DHT warnings (malformed or unexpected traffic, failed sends). */
  warnings: () => number
  keeper: () => { publisher: string, stats: KeeperStats, status: CatalogStatus | null } | null
}

/** A Prometheus registry over a running bootstrap node, with Node's process metrics (memory, CPU, event loop). */
export function createMetrics (source: MetricsSource): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const counter = (name: string, help: string, read: () => number): void => {
    // prom-client counters only go up through inc(); reset + inc sets them to the running total.
    const metric: Counter = new Counter({ name: PREFIX + name, help, registers: [registry], collect () { metric.reset(); metric.inc(read()) } })
  }
  const gauge = (name: string, help: string, read: () => number): void => {
    const metric: Gauge = new Gauge({ name: PREFIX + name, help, registers: [registry], collect () { metric.set(read()) } })
  }
  const labelled = (name: string, help: string, label: string, read: () => Record<string, number>): void => {
    const metric: Counter<string> = new Counter({
      name: PREFIX + name,
      help,
      labelNames: [label],
      registers: [registry],
      collect () {
        metric.reset()
        for (const [value, count] of Object.entries(read())) metric.inc({ [label]: value }, count)
      }
    })
  }

  const info = new Gauge({ name: `${PREFIX}info`, help: 'Constant 1, labelled with the version, node id and keeper publisher id', labelNames: ['version', 'node_id', 'publisher'], registers: [registry] })
  info.set({ version: VERSION, node_id: source.nodeId, publisher: source.keeper()?.publisher ?? '' }, 1)

  gauge('dht_nodes', 'Nodes in the routing table', source.dhtNodes)
  labelled('dht_queries_total', 'DHT queries received, by type (rate() gives queries per second)', 'type',
    () => Object.fromEntries(QUERY_TYPES.map(type => [type, source.guard.queries[type]])))
  labelled('dht_rate_limited_total', 'Datagrams and puts dropped by the per-address rate limits', 'limit',
    () => ({ datagram: source.guard.rateLimited, put: source.guard.putsRateLimited }))
  counter('dht_warnings_total', 'DHT warnings: malformed or unexpected datagrams, failed sends', source.warnings)
  gauge('bep44_items', 'BEP 44 items stored for the network', () => source.store.size)
  gauge('bep44_items_capacity', 'BEP 44 items the store holds at most', () => source.store.capacity)
  counter('bep44_evicted_total', 'BEP 44 items dropped because the store was full (least recently used first)', () => source.store.evicted)
  counter('bep44_stale_puts_total', 'BEP 44 puts answered 301/302 from the item held, before any signature check (mostly republishing)', () => source.guard.stalePuts)
  labelled('bep44_rejected_total', 'BEP 44 puts refused: bad signature, or a per-key or per-address cap', 'reason',
    () => ({ ...source.guard.rejected }))

  const keeper = (read: (k: NonNullable<ReturnType<MetricsSource['keeper']>>) => number) => () => {
    const state = source.keeper()
    return state === null ? 0 : read(state)
  }
  gauge('catalog_entries', 'Live entries in the merged catalog (0 without --keeper)', keeper(k => k.status?.live ?? 0))
  gauge('catalog_publishers', 'Publishers whose slots the keeper reads and republishes', keeper(k => k.status?.publishers_known ?? 0))
  counter('catalog_refreshes_total', 'Catalog refresh rounds finished', keeper(k => k.stats.refreshes))
  counter('republish_runs_total', 'Republish rounds finished', keeper(k => k.stats.republishRuns))
  counter('republished_slots_total', 'Slots put back by republish rounds', keeper(k => k.stats.republishedSlots))
  counter('republish_failures_total', 'Slots a republish round failed to put back', keeper(k => k.stats.republishFailures))
  return registry
}

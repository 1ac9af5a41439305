/** Reads a bootstrap node's operator endpoints the way Prometheus and a load balancer would. */

/** `/metrics` as a map from `name{labels}` (labels as printed) to value; comments skipped. */
export async function scrapeMetrics (baseUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`)
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`)
  const type = response.headers.get('content-type') ?? ''
  if (!type.startsWith('text/plain')) throw new Error(`/metrics is not Prometheus text: ${type}`)
  const samples = new Map<string, number>()
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    samples.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return samples
}

/** One sample; throws when the node does not export it. */
export function sample (samples: Map<string, number>, key: string): number {
  const value = samples.get(key)
  if (value === undefined) throw new Error(`no metric ${key}; have ${[...samples.keys()].filter(k => k.startsWith('silmaril')).join(', ')}`)
  return value
}

export interface Health {
  ok: boolean
  node_id: string
  dht_nodes: number
  bep44_items: number
  keeper: { publisher: string, entries: number, publishers: number, last_refresh: string | null } | null
}

export async function health (baseUrl: string): Promise<Health> {
  const response = await fetch(`${baseUrl}/health`)
  return await response.json() as Health
}

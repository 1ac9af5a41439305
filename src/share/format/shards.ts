const SHARD_PATTERN = /-\d+-of-(\d+)(\.[^./]+)$/

/**
 * Files sharded the way Hugging Face and llama.cpp name shards (`model-00001-of-00004.safetensors`,
 * `llama-q4_k_m-00002-of-00003.gguf`) share a key; any other file is its own group.
 */
export function shardGroupKey (path: string): string {
  return path.replace(SHARD_PATTERN, '-of-$1$2')
}

/** Items grouped by the shard group of their path, groups in first-seen order. */
export function groupByShard<T> (items: ReadonlyArray<T>, pathOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = shardGroupKey(pathOf(item))
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [item])
    else group.push(item)
  }
  return [...groups.values()]
}

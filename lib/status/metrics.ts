// A store's snapshot in the Prometheus text exposition format (version 0.0.4): gauges and counters
// named `corestore_…`, per core labelled with its discovery key, namespace and state.
import type { StoreStatsSnapshot } from '../stats'

type Labels = Record<string, string>

interface Family {
  name: string
  help: string
  type: 'gauge' | 'counter'
  samples: Array<{ labels: Labels, value: number }>
}

/** A label value as the format quotes it: backslash, double quote and newline escaped. */
function escapeLabel (value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function formatLabels (labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`)
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`
}

function render (families: Family[]): string {
  const lines: string[] = []
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`)
    for (const { labels, value } of family.samples) lines.push(`${family.name}${formatLabels(labels)} ${Number.isFinite(value) ? String(value) : 'NaN'}`)
  }
  return lines.join('\n') + '\n'
}

export function toPrometheus (stats: StoreStatsSnapshot): string {
  const store = (name: string, help: string, type: Family['type'], value: number | null): Family =>
    ({ name, help, type, samples: value === null ? [] : [{ labels: {}, value }] })
  const perCore = (name: string, help: string, type: Family['type'], value: (core: StoreStatsSnapshot['cores'][number]) => number): Family => ({
    name,
    help,
    type,
    samples: stats.cores.map(core => ({ labels: { discovery_key: core.discoveryKey, namespace: core.namespace ?? '', state: core.state }, value: value(core) }))
  })
  const { totals, files, memory } = stats
  return render([
    { name: 'corestore_cores', help: 'Loaded cores, by state (active: a view holds it; passive: only peers asked for it).', type: 'gauge', samples: [{ labels: { state: 'active' }, value: totals.active }, { labels: { state: 'passive' }, value: totals.passive }] },
    store('corestore_peers', 'Peers replicating a loaded core (one per core per remote store).', 'gauge', totals.peers),
    store('corestore_uploaded_blocks_total', 'Blocks sent to peers since the store opened.', 'counter', totals.uploadedBlocks),
    store('corestore_uploaded_bytes_total', 'Bytes of blocks sent to peers since the store opened.', 'counter', totals.uploadedBytes),
    store('corestore_downloaded_blocks_total', 'Blocks received from peers since the store opened.', 'counter', totals.downloadedBlocks),
    store('corestore_downloaded_bytes_total', 'Bytes of blocks received from peers since the store opened.', 'counter', totals.downloadedBytes),
    store('corestore_open_files', 'File descriptors the store holds open (folder storage with a bound).', 'gauge', files.open),
    store('corestore_max_open_files', 'The bound of the descriptor pool (maxOpenFiles).', 'gauge', files.max),
    store('corestore_waiting_files', 'Files waiting for a descriptor.', 'gauge', files.waiting),
    store('corestore_cache_size', 'How many passive cores may stay loaded (cacheSize).', 'gauge', stats.cacheSize),
    { name: 'corestore_memory_bytes', help: 'Memory of the process, by kind.', type: 'gauge', samples: [{ labels: { kind: 'heap' }, value: memory.heapUsed }, { labels: { kind: 'external' }, value: memory.external }, { labels: { kind: 'rss' }, value: memory.rss }] },
    perCore('corestore_core_length', 'Blocks of a loaded core.', 'gauge', core => core.length),
    perCore('corestore_core_byte_length', 'Bytes of a loaded core.', 'gauge', core => core.byteLength),
    perCore('corestore_core_holders', 'Views and outside references holding a loaded core.', 'gauge', core => core.holders),
    perCore('corestore_core_peers', 'Peers replicating a loaded core.', 'gauge', core => core.peers.length),
    perCore('corestore_core_uploaded_blocks_total', 'Blocks of a core sent to peers since it was loaded.', 'counter', core => core.uploadedBlocks),
    perCore('corestore_core_uploaded_bytes_total', 'Bytes of a core sent to peers since it was loaded.', 'counter', core => core.uploadedBytes),
    perCore('corestore_core_downloaded_blocks_total', 'Blocks of a core received from peers since it was loaded.', 'counter', core => core.downloadedBlocks),
    perCore('corestore_core_downloaded_bytes_total', 'Bytes of a core received from peers since it was loaded.', 'counter', core => core.downloadedBytes)
  ])
}

import path = require('path')
import type { BenchOptions, CaseName } from './options'
import { names, populate, populateFolder } from './populate'
import { serve } from './serve'
import { append, connect, connectWithLatency, ready, whenDownloaded } from './store'
import type { BenchCore, BenchStore } from './store'
import type { CaseParams, PreparedRun, Workload } from './workload'

export type WorkloadName = 'open' | 'reopen' | 'replicate' | 'passive' | 'serve' | 'latency'

/** One row of the table: which workload, with which sizes, described for a reader. */
export interface CaseSpec {
  name: CaseName
  workload: WorkloadName
  params: CaseParams
  title: string
  size: string
  /** How long the timed part may take before the run counts as stalled. */
  timeoutSeconds: number
  /** When set, a run whose progress stands still this long counts as stalled before the timeout. */
  quietSeconds: number | null
  /** Sample open fds and RSS during the timed part, for their peaks. */
  samplePeaks: boolean
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`

export function caseSpec (name: CaseName, o: BenchOptions): CaseSpec {
  const withBlocks = (cores: number, blocks: number): string => `${plural(cores, 'core')} × ${plural(blocks, 'block')} of ${o.blockSize} B`
  const base = { name, timeoutSeconds: o.timeoutSeconds, quietSeconds: null, samplePeaks: false }
  const params = (cores: number, blocks: number, cacheSize: number | null = null): CaseParams => ({ cores, blocks, blockSize: o.blockSize, cacheSize })
  const served = (cores: number, closeAfterRead: boolean, cacheSize: number | null, batch: number): Omit<CaseSpec, 'name' | 'title'> => ({
    workload: 'serve',
    params: { ...params(cores, 1, cacheSize), batch, closeAfterRead },
    size: `${withBlocks(cores, 1)}, read ${batch} at a time`,
    timeoutSeconds: o.serveTimeoutSeconds,
    quietSeconds: o.timeoutSeconds,
    samplePeaks: true
  })
  switch (name) {
    case 'open':
      return { ...base, workload: 'open', params: params(o.openCores, 0), title: 'open named cores', size: plural(o.openCores, 'core') }
    case 'reopen':
      return { ...base, workload: 'reopen', params: params(o.reopenCores, 1), title: 'reopen cores by key', size: withBlocks(o.reopenCores, 1) }
    case 'replicate':
      return { ...base, workload: 'replicate', params: params(o.replicateCores, o.replicateBlocks), title: 'replicate over one stream', size: withBlocks(o.replicateCores, o.replicateBlocks) }
    case 'passive':
      return { ...base, workload: 'passive', params: params(o.passiveCores, o.passiveBlocks), title: 'peer requests passive cores (default cacheSize)', size: withBlocks(o.passiveCores, o.passiveBlocks) }
    case 'passive-small-cache':
      return { ...base, workload: 'passive', params: params(o.passiveCores, o.passiveBlocks, o.smallCache), title: `peer requests passive cores (cacheSize ${o.smallCache})`, size: withBlocks(o.passiveCores, o.passiveBlocks) }
    case 'serve-keep':
      return { ...base, ...served(o.serveCores, false, null, o.serveBatch), title: 'serve a remote reader that keeps every core open (default cacheSize)' }
    case 'serve-close':
      return { ...base, ...served(o.serveCores, true, null, o.serveBatch), title: 'serve a remote reader that closes each core after reading (default cacheSize)' }
    case 'idle-peer':
      // Batches of half the cache: corestore@5 closes cores it is still serving once more are loaded than its cacheSize.
      return { ...base, ...served(o.idleCores, false, o.idleCache, Math.max(1, Math.floor(o.idleCache / 2))), title: `serve a remote reader that then leaves its channels idle (cacheSize ${o.idleCache})` }
    case 'latency':
      return {
        ...base,
        workload: 'latency',
        params: { ...params(1, o.latencyBlocks), latencyMs: o.latencyMs },
        title: `download one core over a link with ${o.latencyMs} ms latency each way`,
        size: withBlocks(1, o.latencyBlocks),
        timeoutSeconds: o.serveTimeoutSeconds,
        quietSeconds: o.timeoutSeconds
      }
  }
}

/** Counts cores through a stage, for progress reports. */
class Counter {
  done = 0
  constructor (readonly total: number, readonly what: string) {}
  async track (promise: Promise<void>): Promise<void> {
    await promise
    this.done++
  }

  toString (): string {
    return `${this.done}/${this.total} ${this.what}`
  }
}

async function readyAll (cores: BenchCore[], counter: Counter): Promise<void> {
  await Promise.all(cores.map(core => counter.track(ready(core))))
}

/** 1. `get({ name })` + ready for many new cores in a new store on disk. */
const open: Workload = async (Store, dir, params) => {
  const readied = new Counter(params.cores, 'cores ready')
  return {
    async run () {
      const store = new Store(dir)
      await ready(store)
      const cores = names(params.cores).map(name => store.get({ name }))
      await readyAll(cores, readied)
      return { store, cores }
    },
    progress: () => readied.toString()
  }
}

/** 2. A new store on a folder of existing cores opens every one of them by key. */
const reopen: Workload = async (Store, dir, params) => {
  const keys = await populateFolder(Store, dir, params)

  const readied = new Counter(params.cores, 'cores ready')
  return {
    async run () {
      const store = new Store(dir)
      await ready(store)
      const cores = keys.map(key => store.get({ key }))
      await readyAll(cores, readied)
      return { store, cores }
    },
    progress: () => readied.toString()
  }
}

/** 3. Store B opens A's cores by key and downloads them all over one live stream from A, which has them loaded. */
const replicate: Workload = async (Store, dir, params) => {
  const a = new Store(path.join(dir, 'a'))
  await ready(a)
  const keys = await populate(a, params)
  const b = new Store(path.join(dir, 'b'))
  await ready(b)
  return downloadAll(a, b, keys, params)
}

/**
 * 4. Like 3, but A's cores are on disk and not loaded: A opens each one only when B's request
 * for it arrives, as a passive core in a cache of `cacheSize`.
 */
const passive: Workload = async (Store, dir, params) => {
  const folder = path.join(dir, 'a')
  const keys = await populateFolder(Store, folder, params)

  const a = new Store(folder, params.cacheSize === null ? {} : { cacheSize: params.cacheSize })
  await ready(a)
  const b = new Store(path.join(dir, 'b'))
  await ready(b)
  return downloadAll(a, b, keys, params)
}

function downloadAll (a: BenchStore, b: BenchStore, keys: Buffer[], params: CaseParams): PreparedRun {
  const complete = new Counter(keys.length, 'cores downloaded')
  return {
    async run () {
      const cores = keys.map(key => b.get({ key }))
      const streams = [a.replicate(false, { live: true }), b.replicate(true, { live: true })] as const
      connect(...streams)
      await Promise.all(cores.map(core => complete.track(ready(core).then(() => whenDownloaded(core, params.blocks)))))
      return { a, b, cores, streams }
    },
    progress: () => complete.toString()
  }
}

/** 6. B downloads one long core from A over a link that delays each chunk both ways. */
const latency: Workload = async (Store, dir, params) => {
  const a = new Store(path.join(dir, 'a'))
  await ready(a)
  const source = a.get({ name: 'bench-latency' })
  await ready(source)
  const CHUNK = 1000
  for (let from = 0; from < params.blocks; from += CHUNK) {
    const count = Math.min(CHUNK, params.blocks - from)
    await append(source, Array.from({ length: count }, (_, i) => Buffer.alloc(params.blockSize, (from + i) & 0xff)))
  }
  const b = new Store(path.join(dir, 'b'))
  await ready(b)
  const copy = b.get({ key: source.key as Buffer })
  let opened = false
  return {
    async run () {
      const streams = [a.replicate(false, { live: true }), b.replicate(true, { live: true })] as const
      connectWithLatency(...streams, params.latencyMs ?? 0)
      await ready(copy)
      opened = true
      await whenDownloaded(copy, params.blocks)
      return { a, b, copy, streams }
    },
    progress: () => `${opened ? copy.downloaded(0, params.blocks) : 0}/${params.blocks} blocks downloaded`
  }
}

// 5. serve (serve-keep, serve-close, idle-peer) is in serve.ts.
export const WORKLOADS: Record<WorkloadName, Workload> = { open, reopen, replicate, passive, serve, latency }

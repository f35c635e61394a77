import path = require('path')
import type { BenchOptions, CaseName } from './options'
import { append, close, connect, ready, whenDownloaded } from './store'
import type { BenchCore, BenchStore, BenchStoreConstructor } from './store'

export type WorkloadName = 'open' | 'reopen' | 'replicate' | 'passive'

export interface CaseParams {
  cores: number
  /** Blocks appended to each core before the timed part (0: none). */
  blocks: number
  blockSize: number
  /** cacheSize of the store that serves passive cores; `null` for the package's default. */
  cacheSize: number | null
}

/** One row of the table: which workload, with which sizes, described for a reader. */
export interface CaseSpec {
  name: CaseName
  workload: WorkloadName
  params: CaseParams
  title: string
  size: string
}

/** A workload after its untimed setup: the timed part. */
export interface PreparedRun {
  /**
   * The part that is timed and whose retained memory is measured. It resolves to what the
   * workload keeps open (its stores, cores and streams), so that none of it is collected before
   * memory is measured.
   */
  run (): Promise<unknown>
  /** How far `run` got, for the report when it stalls. */
  progress (): string
}

type Workload = (Store: BenchStoreConstructor, dir: string, params: CaseParams) => Promise<PreparedRun>

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`

export function caseSpec (name: CaseName, o: BenchOptions): CaseSpec {
  const withBlocks = (cores: number, blocks: number): string => `${plural(cores, 'core')} × ${plural(blocks, 'block')} of ${o.blockSize} B`
  switch (name) {
    case 'open':
      return { name, workload: 'open', params: { cores: o.openCores, blocks: 0, blockSize: o.blockSize, cacheSize: null }, title: 'open named cores', size: plural(o.openCores, 'core') }
    case 'reopen':
      return { name, workload: 'reopen', params: { cores: o.reopenCores, blocks: 1, blockSize: o.blockSize, cacheSize: null }, title: 'reopen cores by key', size: withBlocks(o.reopenCores, 1) }
    case 'replicate':
      return { name, workload: 'replicate', params: { cores: o.replicateCores, blocks: o.replicateBlocks, blockSize: o.blockSize, cacheSize: null }, title: 'replicate over one stream', size: withBlocks(o.replicateCores, o.replicateBlocks) }
    case 'passive':
      return { name, workload: 'passive', params: { cores: o.passiveCores, blocks: o.passiveBlocks, blockSize: o.blockSize, cacheSize: null }, title: 'peer requests passive cores (default cacheSize)', size: withBlocks(o.passiveCores, o.passiveBlocks) }
    case 'passive-small-cache':
      return { name, workload: 'passive', params: { cores: o.passiveCores, blocks: o.passiveBlocks, blockSize: o.blockSize, cacheSize: o.smallCache }, title: `peer requests passive cores (cacheSize ${o.smallCache})`, size: withBlocks(o.passiveCores, o.passiveBlocks) }
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

const names = (count: number): string[] => Array.from({ length: count }, (_, i) => `bench-core-${i}`)

function blocksFor (core: number, params: CaseParams): Buffer[] {
  return Array.from({ length: params.blocks }, (_, i) => Buffer.alloc(params.blockSize, (core * 31 + i) & 0xff))
}

/** Creates `params.cores` named cores holding `params.blocks` blocks each; returns their keys. */
async function populate (store: BenchStore, params: CaseParams): Promise<Buffer[]> {
  const cores = names(params.cores).map(name => store.get({ name }))
  await Promise.all(cores.map(async (core, i) => {
    await ready(core)
    if (params.blocks > 0) await append(core, blocksFor(i, params))
  }))
  return cores.map(core => core.key as Buffer)
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
  const first = new Store(dir)
  await ready(first)
  const keys = await populate(first, params)
  await close(first)

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
  const writer = new Store(folder)
  await ready(writer)
  const keys = await populate(writer, params)
  await close(writer)

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

export const WORKLOADS: Record<WorkloadName, Workload> = { open, reopen, replicate, passive }

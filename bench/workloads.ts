import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import net = require('net')
import path = require('path')
import type { BenchOptions, CaseName, PackageName } from './options'
import { names, populate, populateFolder } from './populate'
import { serve } from './serve'
import { connect, connectSocket, ready, whenDownloaded } from './store'
import type { BenchCore, BenchStore, BenchStoreConstructor } from './store'
import type { UploaderReady, UploaderSpec } from './uploader'
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

/** Hyperdrive v10 writes file content in blocks of 64 KiB. */
const LARGE_BLOCK = 64 * 1024

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
      return { ...base, ...overLink(o.latencyBlocks, o.blockSize, { latencyMs: o.latencyMs }), title: `download one core over a link with ${o.latencyMs} ms latency each way` }
    case 'latency-from-cs5':
      return { ...base, ...overLink(o.latencyBlocks, o.blockSize, { latencyMs: o.latencyMs, uploader: 'corestore5' }), title: `download one core from a corestore@5.8.2 uploader over a link with ${o.latencyMs} ms latency each way` }
    case 'latency-100':
      return { ...base, ...overLink(o.latency100Blocks, o.blockSize, { latencyMs: 100 }), title: 'download one core over a link with 100 ms latency each way' }
    case 'latency-100-tuned':
      return { ...base, ...overLink(o.latency100Blocks, o.blockSize, { latencyMs: 100, corestore5MaxRequests: o.tunedMaxRequests }), title: `download one core over a link with 100 ms latency each way; corestore@5.8.2 with maxRequests raised by hand to ${o.tunedMaxRequests}` }
    case 'latency-64k':
      return { ...base, ...overLink(o.largeBlocks, LARGE_BLOCK, { latencyMs: o.latencyMs }), title: `download one core of 64 KiB blocks (Hyperdrive content) over a link with ${o.latencyMs} ms latency each way` }
    case 'latency-capped':
      return { ...base, ...overLink(o.largeBlocks, LARGE_BLOCK, { latencyMs: o.latencyMs, linkBytesPerSecond: o.linkMiBps * 1024 * 1024 }), title: `download one core of 64 KiB blocks over a link of ${o.linkMiBps} MiB/s with ${o.latencyMs} ms latency each way` }
  }

  /** A latency case: one core downloaded over a link; peaks sampled, stalled when its progress stands still. */
  function overLink (blocks: number, blockSize: number, link: Pick<CaseParams, 'latencyMs' | 'linkBytesPerSecond' | 'uploader' | 'corestore5MaxRequests'>): Omit<CaseSpec, 'name' | 'title'> {
    return {
      workload: 'latency',
      params: { cores: 1, blocks, blockSize, cacheSize: null, ...link },
      size: `1 core × ${plural(blocks, 'block')} of ${blockSize} B`,
      timeoutSeconds: o.serveTimeoutSeconds,
      quietSeconds: o.timeoutSeconds,
      samplePeaks: true
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

/**
 * 6. B downloads one long core from A over TCP through a link that delays each chunk both ways (and,
 * with a rate, holds it until the bytes before it crossed). A and the link run in a process of their
 * own (uploader.ts): A is the package under test, or corestore@5.8.2 when the case says so.
 */
const latency: Workload = async (Store, dir, params) => {
  const uploader = await startUploader({
    pkg: params.uploader === 'corestore5' ? 'corestore5' : packageOf(Store),
    dir: path.join(dir, 'a'),
    blocks: params.blocks,
    blockSize: params.blockSize,
    link: { delayMs: params.latencyMs ?? 0, bytesPerSecond: params.linkBytesPerSecond }
  })
  const b = new Store(path.join(dir, 'b'))
  await ready(b)
  const tuned = params.corestore5MaxRequests !== undefined && packageOf(Store) === 'corestore5'
  const copy = b.get({ key: Buffer.from(uploader.key, 'hex'), ...(tuned ? { maxRequests: params.corestore5MaxRequests } : {}) })
  let opened = false
  return {
    async run () {
      const socket = net.connect(uploader.port, '127.0.0.1')
      connectSocket(b.replicate(true, { live: true }), socket)
      await ready(copy)
      opened = true
      await whenDownloaded(copy, params.blocks)
      return { b, copy, socket, uploader }
    },
    progress: () => `${opened ? copy.downloaded(0, params.blocks) : 0}/${params.blocks} blocks downloaded`
  }
}

/** Which package a store class is (corestore-ts's carries its error factories as a static). */
function packageOf (Store: BenchStoreConstructor): PackageName {
  return typeof (Store as unknown as { errors?: unknown }).errors === 'object' ? 'corestore-ts' : 'corestore5'
}

/** Forks the uploader and waits until it serves; it exits with this process. */
function startUploader (spec: UploaderSpec): Promise<UploaderReady & { child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'uploader.js'), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.once('message', message => resolve({ ...(message as UploaderReady), child }))
    child.once('exit', code => reject(new Error(`the uploader exited (code ${String(code)}) before it served`)))
  })
}

// 5. serve (serve-keep, serve-close, idle-peer) is in serve.ts.
export const WORKLOADS: Record<WorkloadName, Workload> = { open, reopen, replicate, passive, serve, latency }

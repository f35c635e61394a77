/*
 * The serving workloads: one store on disk serves its stored cores to a remote reader (reader.ts)
 * in another process over TCP loopback. Everything measured here is the serving process's.
 */
import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs = require('fs')
import net = require('net')
import path = require('path')
import { populateFolder } from './populate'
import { cpuMsSince } from './reader'
import type { ReaderMessage, ReaderSpec } from './reader'
import { openFds } from './sampler'
import { connectSocket, ready } from './store'
import type { BenchCore, BenchStore } from './store'
import type { Workload, WorkloadMetrics } from './workload'

const READER = path.join(__dirname, 'reader.js')
/** The loaded-core count counts as settled once it has not changed for this long... */
const SETTLED_AFTER_MS = 2000
/** ...or after this long at most. */
const SETTLE_LIMIT_MS = 30_000

/** Cores the store has loaded: +1 on its 'feed' event, -1 on that core's 'close'. The same for both packages. */
class LoadedCores {
  count = 0
  #changed = Date.now()

  constructor (store: BenchStore) {
    store.on('feed', (core: BenchCore) => {
      this.#change(1)
      core.once('close', () => this.#change(-1))
    })
  }

  #change (by: number): void {
    this.count += by
    this.#changed = Date.now()
  }

  /** Resolves once the count has stayed the same for `SETTLED_AFTER_MS` (or after `SETTLE_LIMIT_MS`). */
  async settled (): Promise<void> {
    const start = Date.now()
    this.#changed = Math.max(this.#changed, start)
    while (Date.now() - this.#changed < SETTLED_AFTER_MS && Date.now() - start < SETTLE_LIMIT_MS) {
      await new Promise(resolve => setTimeout(resolve, 100))
    }
  }
}

/** The reader process, seen from the server. */
class RemoteReader {
  readonly #child: ChildProcess
  readonly #total: number
  readonly #batch: number
  /**
   * Each batch read: how many cores, the wall-clock time it was complete, and the CPU time (ms) the
   * serving process (when the reader's report arrived) and the reader had spent since reading began.
   */
  readonly batches: Array<{ read: number, at: number, storeCpu: number, readerCpu: number }> = []
  #startCpu: NodeJS.CpuUsage | null = null
  read = 0
  startedAt = 0
  #listeners = new Set<(message: ReaderMessage | Error) => void>()

  constructor (spec: ReaderSpec, total: number) {
    this.#total = total
    this.#batch = spec.batch
    this.#child = fork(READER, [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    this.#child.on('message', message => {
      const m = message as ReaderMessage
      if (m.type === 'progress') {
        const storeCpu = this.#startCpu === null ? 0 : cpuMsSince(this.#startCpu)
        this.batches.push({ read: m.read, at: m.at, storeCpu, readerCpu: m.cpu })
        this.read += m.read
      }
      for (const listener of this.#listeners) listener(m)
    })
    this.#child.on('exit', (code, signal) => {
      const error = new Error(`the reader exited (${signal ?? `code ${String(code)}`})`)
      for (const listener of this.#listeners) listener(error)
    })
    // The reader is ended with this process, stalled or not.
    process.once('exit', () => this.#child.kill('SIGKILL'))
  }

  #until (type: 'connected' | 'done'): Promise<void> {
    return new Promise((resolve, reject) => {
      const listener = (m: ReaderMessage | Error): void => {
        if (m instanceof Error) reject(m)
        else if (m.type === 'error') reject(new Error(`the reader failed: ${m.message}`))
        else if (m.type !== type) return
        else resolve()
        this.#listeners.delete(listener)
      }
      this.#listeners.add(listener)
    })
  }

  connected (): Promise<void> {
    return this.#until('connected')
  }

  readAll (): Promise<void> {
    const done = this.#until('done')
    this.startedAt = Date.now()
    this.#startCpu = process.cpuUsage()
    this.#child.send('read')
    return done
  }

  progress (): string {
    return `${this.read}/${this.#total} cores read`
  }

  /**
   * Cores per second over the first and over the last tenth of the batches (at least one each),
   * whole batches because a batch's cores arrive together, and each process's CPU time per core over
   * the same batches; `null` until those batches are read.
   */
  rates (): Pick<WorkloadMetrics, 'startRate' | 'endRate' | 'storeStartCpu' | 'storeEndCpu' | 'readerStartCpu' | 'readerEndCpu'> {
    const all = Math.ceil(this.#total / Math.max(1, this.#batch))
    const tenth = Math.max(1, Math.round(all / 10))
    const span = (from: number, to: number): { rate: number, storeCpu: number, readerCpu: number } | null => {
      const last = this.batches[to - 1]
      if (from < 0 || last === undefined) return null
      const before = from === 0 ? { at: this.startedAt, storeCpu: 0, readerCpu: 0 } : this.batches[from - 1]
      if (before === undefined) return null
      const read = this.batches.slice(from, to).reduce((sum, batch) => sum + batch.read, 0)
      return {
        rate: read / (Math.max(1, last.at - before.at) / 1000),
        storeCpu: (last.storeCpu - before.storeCpu) / read,
        readerCpu: (last.readerCpu - before.readerCpu) / read
      }
    }
    const start = span(0, tenth)
    const end = this.batches.length < all ? null : span(all - tenth, all)
    return {
      startRate: start?.rate ?? null,
      endRate: end?.rate ?? null,
      storeStartCpu: start?.storeCpu ?? null,
      storeEndCpu: end?.storeCpu ?? null,
      readerStartCpu: start?.readerCpu ?? null,
      readerEndCpu: end?.readerCpu ?? null
    }
  }
}

/**
 * A store on disk with `params.cores` stored cores serves them to the remote reader, which reads
 * block 0 of each, `params.batch` cores at a time, and keeps them open or closes each one after
 * reading (`params.closeAfterRead`). Untimed afterwards: the store's loaded cores settle.
 */
export const serve: Workload = async (Store, dir, params) => {
  const folder = path.join(dir, 'a')
  const keys = await populateFolder(Store, folder, params)
  const keysFile = path.join(dir, 'keys.txt')
  fs.writeFileSync(keysFile, keys.map(key => key.toString('hex')).join('\n'))

  const store = new Store(folder, params.cacheSize === null ? {} : { cacheSize: params.cacheSize })
  await ready(store)
  const loaded = new LoadedCores(store)
  const server = net.createServer(socket => connectSocket(store.replicate(false, { live: true }), socket))
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  const reader = new RemoteReader({ port, keysFile, batch: params.batch ?? params.cores, closeAfterRead: params.closeAfterRead ?? false }, keys.length)
  await reader.connected()

  return {
    async run () {
      await reader.readAll()
      return { store, server }
    },
    progress: () => reader.progress(),
    settle: () => loaded.settled(),
    metrics: (): WorkloadMetrics => ({ ...reader.rates(), loadedCores: loaded.count, openFds: openFds() })
  }
}

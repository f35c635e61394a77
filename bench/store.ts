import path = require('path')
import type { PackageName } from './options'

type Callback<T = void> = (err: Error | null, value?: T) => void

/**
 * The part of a Hypercore 9 core the workloads use, in its callback form: corestore@5 hands out
 * plain hypercore@9 cores, which return no promises.
 */
export interface BenchCore {
  readonly key: Buffer | null
  ready (cb: Callback): void
  append (data: Buffer[], cb: Callback<number>): void
  /** How many blocks in [start, end) are stored locally. */
  downloaded (start: number, end: number): number
  on (event: 'download', listener: () => void): this
  removeListener (event: 'download', listener: () => void): this
}

/** A hypercore-protocol@8 stream (a streamx Duplex). */
export interface BenchStream {
  pipe<T extends BenchStream> (destination: T): T
  destroy (): void
  on (event: 'error', listener: (err: Error) => void): this
}

/** The part of the corestore@5 API the workloads use, which corestore-ts and corestore@5.8.2 share. */
export interface BenchStore {
  ready (cb: Callback): void
  close (cb: Callback): void
  get (opts: { name: string } | { key: Buffer }): BenchCore
  replicate (isInitiator: boolean, opts?: { live?: boolean }): BenchStream
}

export interface BenchStoreOptions {
  cacheSize?: number
}

export type BenchStoreConstructor = new (storage: string, opts?: BenchStoreOptions) => BenchStore

/**
 * Loads one implementation. Called in a child process that loads only that one, so neither module
 * cache (nor corestore-ts's noise-protocol patch) touches the other's numbers.
 */
export function loadStore (pkg: PackageName): BenchStoreConstructor {
  // build/bench/store.js -> build/lib/index.js: the module `require('corestore-ts')` gives.
  const id = pkg === 'corestore-ts' ? path.join(__dirname, '..', 'lib') : 'corestore5'
  const Store: unknown = require(id)
  if (typeof Store !== 'function') throw new TypeError(`${pkg} (${id}) did not export a class`)
  return Store as BenchStoreConstructor
}

function promisify (run: (cb: Callback) => void): Promise<void> {
  return new Promise((resolve, reject) => run(err => err ? reject(err) : resolve()))
}

export function ready (target: { ready (cb: Callback): void }): Promise<void> {
  return promisify(cb => target.ready(cb))
}

export function close (target: { close (cb: Callback): void }): Promise<void> {
  return promisify(cb => target.close(cb))
}

export function append (core: BenchCore, blocks: Buffer[]): Promise<void> {
  return promisify(cb => core.append(blocks, err => cb(err)))
}

/** Resolves once the core holds blocks [0, blocks): call it on a ready core. */
export function whenDownloaded (core: BenchCore, blocks: number): Promise<void> {
  return new Promise(resolve => {
    const check = (): void => {
      if (core.downloaded(0, blocks) < blocks) return
      core.removeListener('download', check)
      resolve()
    }
    core.on('download', check)
    check()
  })
}

/** Pipes two replication streams into each other, ignoring the errors their teardown raises. */
export function connect (a: BenchStream, b: BenchStream): void {
  a.on('error', () => {})
  b.on('error', () => {})
  a.pipe(b).pipe(a)
}

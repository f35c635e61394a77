import type net = require('net')
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
  get (index: number, cb: Callback<Buffer>): void
  close (cb: Callback): void
  /** How many blocks in [start, end) are stored locally. */
  downloaded (start: number, end: number): number
  on (event: 'download', listener: () => void): this
  once (event: 'close', listener: () => void): this
  removeListener (event: 'download', listener: () => void): this
}

/** A hypercore-protocol@8 stream (a streamx Duplex). */
export interface BenchStream {
  pipe<T extends BenchStream | NodeJS.WritableStream> (destination: T): T
  destroy (): void
  on (event: 'error', listener: (err: Error) => void): this
}

/** The part of the corestore@5 API the workloads use, which corestore-ts and corestore@5.8.2 share. */
export interface BenchStore {
  ready (cb: Callback): void
  close (cb: Callback): void
  get (opts: { name: string } | { key: Buffer, maxRequests?: number }): BenchCore
  replicate (isInitiator: boolean, opts?: { live?: boolean }): BenchStream
  /** Every core the store loads, passive ones included, once it is ready. */
  on (event: 'feed', listener: (core: BenchCore) => void): this
}

export interface BenchStoreOptions {
  cacheSize?: number
}

/** A folder, or a function that gives the storage of one file (random-access-memory). */
export type BenchStorage = string | ((name: string) => unknown)

export type BenchStoreConstructor = new (storage: BenchStorage, opts?: BenchStoreOptions) => BenchStore

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

export function getBlock (core: BenchCore, index: number): Promise<void> {
  return promisify(cb => core.get(index, err => cb(err)))
}

/** Resolves once the core holds blocks [0, blocks): call it on a ready core. */
export function whenDownloaded (core: BenchCore, blocks: number): Promise<void> {
  return new Promise(resolve => {
    // Counting the bitfield costs O(blocks); do it only once enough downloads arrived to finish.
    let missing = blocks - core.downloaded(0, blocks)
    const check = (): void => {
      if (--missing > 0) return
      missing = blocks - core.downloaded(0, blocks)
      if (missing > 0) return
      core.removeListener('download', check)
      resolve()
    }
    if (missing <= 0) return resolve()
    core.on('download', check)
  })
}

/** Pipes two replication streams into each other, ignoring the errors their teardown raises. */
export function connect (a: BenchStream, b: BenchStream): void {
  a.on('error', () => {})
  b.on('error', () => {})
  a.pipe(b).pipe(a)
}

/** Pipes a replication stream and a TCP socket into each other, ignoring the errors their teardown raises. */
export function connectSocket (stream: BenchStream, socket: net.Socket): void {
  stream.on('error', () => {})
  socket.on('error', () => {})
  // A streamx Duplex, which node's pipe drives through write(), end() and 'drain'.
  socket.pipe(stream as unknown as NodeJS.WritableStream)
  stream.pipe(socket)
}

// Shared by the compatibility tests against the real corestore@5.8.2 (the devDependency `corestore5`).
import Corestore = require('../../lib/index')
import type { EventEmitter } from 'events'
import fs = require('fs')
import os = require('os')
import path = require('path')
import type { TestContext } from 'node:test'
import type ProtocolStream = require('hypercore-protocol')
import RandomAccessStorage = require('random-access-storage')
import raf = require('random-access-file')
import ram = require('random-access-memory')

export type Callback<T = void> = (err: Error | null, value?: T) => void
export type StorageFunction = (name: string) => RandomAccessStorage

export interface KeyPair {
  publicKey: Buffer
  secretKey: Buffer
}

/** The callback API of a hypercore@9 feed, which both packages hand out. */
export interface Feed extends EventEmitter {
  readonly key: Buffer | null
  readonly discoveryKey: Buffer | null
  readonly writable: boolean
  readonly length: number
  readonly sparse: boolean
  ready (cb: Callback): void
  append (data: Buffer | string, cb: Callback<number>): void
  get (index: number, opts: { wait?: boolean }, cb: Callback<Buffer>): unknown
  update (opts: { minLength?: number, ifAvailable?: boolean }, cb: Callback): unknown
  has (index: number): boolean
  downloaded (start?: number, end?: number): number
  close (cb: Callback): void
}

export interface GetOptions {
  key?: Buffer | string
  discoveryKey?: Buffer | string
  keyPair?: KeyPair
  name?: string
  [option: string]: unknown
}

export interface StoreOptions {
  masterKey?: Buffer
  sparse?: boolean
  [option: string]: unknown
}

/** hypercore-protocol@8 stream options, and the stream handler that reports closed channels. */
export interface ReplicateOptions {
  live?: boolean
  onchannelclose?: (discoveryKey: Buffer, key: Buffer | null) => void
  [option: string]: unknown
}

/** The corestore@5 API, as corestore@5.8.2 has it and corestore-ts mirrors it. */
export interface Store extends EventEmitter {
  ready (): Promise<void>
  get (opts?: GetOptions): Feed
  default (opts?: GetOptions): Feed
  namespace (name: string): Store
  replicate (isInitiator: boolean, opts?: ReplicateOptions): ProtocolStream
  isLoaded (opts: GetOptions): boolean
  list (): Map<string, Feed>
  close (cb: Callback): void
}

/** corestore@5.8.2 itself; it ships no types, so its API is declared above. */
const Corestore5 = require('corestore5') as new (storage: string | StorageFunction, opts?: StoreOptions) => Store

interface HypercoreCrypto {
  keyPair (seed?: Buffer): KeyPair
  discoveryKey (publicKey: Buffer): Buffer
  randomBytes (n: number): Buffer
}

export const crypto = require('hypercore-crypto') as HypercoreCrypto

export interface Package {
  readonly name: string
  create (storage: string | StorageFunction, opts?: StoreOptions): Store
}

export const CORESTORE_TS: Package = {
  name: 'corestore-ts',
  create: (storage, opts) => new Corestore(storage, opts)
}

export const CORESTORE_5: Package = {
  name: 'corestore@5.8.2',
  create: (storage, opts) => new Corestore5(storage, opts)
}

/** Both orders: [writer, reader] (or [server, client]). */
export const DIRECTIONS: ReadonlyArray<readonly [Package, Package]> = [
  [CORESTORE_5, CORESTORE_TS],
  [CORESTORE_TS, CORESTORE_5]
]

export interface DiskStorage {
  readonly label: string
  storage (dir: string): string | StorageFunction
}

export const DISK_STORAGES: readonly DiskStorage[] = [
  { label: 'a directory path', storage: dir => dir },
  { label: 'a random-access-file function', storage: dir => (name: string) => raf(name, { directory: dir }) }
]

export const MASTER_KEY = Buffer.alloc(32, 0x07)

// Feed operations as promises, through the callback API that both packages share.

export function ready (feed: Feed): Promise<void> {
  return new Promise((resolve, reject) => feed.ready(err => err ? reject(err) : resolve()))
}

export async function append (feed: Feed, ...blocks: string[]): Promise<void> {
  for (const data of blocks) {
    await new Promise<void>((resolve, reject) => feed.append(data, err => err ? reject(err) : resolve()))
  }
}

/** A block as text; `wait: false` reads only what is stored locally. */
export function block (feed: Feed, index: number, opts: { wait?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    feed.get(index, opts, (err, data) => err || data === undefined ? reject(err ?? new Error(`no block ${index}`)) : resolve(data.toString()))
  })
}

/** Every block of a feed as text, read locally. */
export async function blocks (feed: Feed): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < feed.length; i++) out.push(await block(feed, i, { wait: false }))
  return out
}

export function update (feed: Feed, minLength: number): Promise<void> {
  return new Promise((resolve, reject) => feed.update({ minLength }, err => err ? reject(err) : resolve()))
}

export function closeFeed (feed: Feed): Promise<void> {
  return new Promise((resolve, reject) => feed.close(err => err ? reject(err) : resolve()))
}

export function keyOf (feed: Feed): Buffer {
  if (feed.key === null) throw new Error('the feed has no key yet')
  return feed.key
}

export function discoveryKeyOf (feed: Feed): Buffer {
  if (feed.discoveryKey === null) throw new Error('the feed has no discovery key yet')
  return feed.discoveryKey
}

/** The error a callback-style operation fails with; fails the test when it succeeds. */
export async function rejection (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected the operation to fail')
}

// Storage.

export function tmpDir (): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'corestore-interop-'))
}

/** Relative paths (with `/`) of every file below `dir`, sorted. */
export function listFiles (dir: string): string[] {
  const out: string[] = []
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : sub + '/' + entry.name
      if (entry.isDirectory()) walk(rel)
      else out.push(rel)
    }
  }
  walk('')
  return out.sort()
}

export function coreDir (discoveryKey: Buffer): string {
  const hex = discoveryKey.toString('hex')
  return `${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`
}

/**
 * random-access-memory files that outlive the store that opened them, so a store can be closed and
 * reopened "from storage" in memory. Closing a file closes only the handle given out.
 */
export function memoryStorage (): StorageFunction {
  const files = new Map<string, RandomAccessStorage>()
  return name => {
    let file = files.get(name)
    if (file === undefined) {
      file = ram()
      files.set(name, file)
    }
    const backing = file
    return new RandomAccessStorage({
      read: req => backing.read(req.offset, req.size, (err, data) => req.callback(err, data)),
      write: req => backing.write(req.offset, req.data ?? Buffer.alloc(0), err => req.callback(err ?? null)),
      del: req => backing.del(req.offset, req.size, err => req.callback(err ?? null)),
      stat: req => backing.stat((err, st) => req.callback(err, st))
    })
  }
}

// Replication.

export interface Link {
  readonly initiator: ProtocolStream
  readonly responder: ProtocolStream
  /** Errors either stream emitted. */
  readonly errors: Error[]
  /** Both sides completed the noise handshake. */
  readonly handshake: Promise<void>
  /** Both streams ended (a non-live replication finished). */
  readonly ended: Promise<void>
  close (): Promise<void>
}

/** Pipes `initiator.replicate(true, opts)` into `responder.replicate(false, opts)` and back. */
export function connect (initiator: Store, responder: Store, opts: ReplicateOptions = {}, extra: { initiator?: ReplicateOptions, responder?: ReplicateOptions } = {}): Link {
  const a = initiator.replicate(true, { ...opts, ...extra.initiator })
  const b = responder.replicate(false, { ...opts, ...extra.responder })
  const errors: Error[] = []
  for (const stream of [a, b]) stream.on('error', (err: Error) => errors.push(err))
  a.pipe(b).pipe(a)
  return {
    initiator: a,
    responder: b,
    errors,
    handshake: Promise.all([once(a, 'handshake'), once(b, 'handshake')]).then(() => {}),
    ended: Promise.all([once(a, 'end'), once(b, 'end')]).then(() => {}),
    close: () => Promise.all([destroy(a), destroy(b)]).then(() => {})
  }
}

function once (emitter: EventEmitter, event: string): Promise<void> {
  return new Promise(resolve => emitter.once(event, () => resolve()))
}

function destroy (stream: ProtocolStream): Promise<void> {
  if (stream.destroyed) return Promise.resolve()
  const closed = once(stream, 'close')
  stream.destroy()
  return closed
}

/** Resolves with the discovery key of each channel `opts.onchannelclose` reports, as they close. */
export class ChannelCloses {
  readonly closed: string[] = []
  readonly #waiting = new Map<string, () => void>()

  readonly onchannelclose = (discoveryKey: Buffer): void => {
    const hex = discoveryKey.toString('hex')
    this.closed.push(hex)
    this.#waiting.get(hex)?.()
  }

  waitFor (discoveryKey: Buffer): Promise<void> {
    const hex = discoveryKey.toString('hex')
    if (this.closed.includes(hex)) return Promise.resolve()
    return new Promise(resolve => this.#waiting.set(hex, resolve))
  }
}

// Cleanup.

export function closeStore (store: Store): Promise<void> {
  return new Promise((resolve, reject) => store.close(err => err ? reject(err) : resolve()))
}

/** What a test opened; released after the test whether it passed or not (links, then stores, then folders). */
export class Resources {
  readonly #links: Link[] = []
  readonly #stores: Store[] = []
  readonly #closed = new Set<Store>()
  readonly #dirs: string[] = []

  constructor (t: TestContext) {
    t.after(() => this.release())
  }

  store<S extends Store> (store: S): S {
    this.#stores.push(store)
    return store
  }

  /** Closes a store now (to reopen its storage); it is not closed again on release. */
  async close (store: Store): Promise<void> {
    if (this.#closed.has(store)) return
    this.#closed.add(store)
    await closeStore(store)
  }

  link (link: Link): Link {
    this.#links.push(link)
    return link
  }

  dir (): string {
    const dir = tmpDir()
    this.#dirs.push(dir)
    return dir
  }

  async release (): Promise<void> {
    await Promise.all(this.#links.splice(0).map(link => link.close()))
    const stores = this.#stores.splice(0).reverse()
    for (const store of stores) await this.close(store)
    for (const dir of this.#dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
  }
}

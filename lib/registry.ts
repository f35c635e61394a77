import './noise-first'
import Feed = require('hypercore')
import { EventEmitter } from 'events'
import { CoreCache } from './cache'
import { Core } from './core'
import { STORE_CLOSED } from './errors'
import { ExclusiveLocks } from './exclusive'
import { deriveKeyPair, discoveryKey, toHex } from './keys'
import type { KeyPair } from './keys'
import { StreamTracker } from './replication'
import { coreRoot, CoreKeyFiles, loadOrCreateMasterKey, readExact } from './storage'
import type { KeySource, ResolvedStorage, StorageFunction } from './storage'

type Callback<T = void> = (err: Error | null, value?: T) => void

/** A `get` after its argument was parsed: how the core is identified and how its keys are found. */
export interface CoreRequest {
  discoveryKey: Buffer | null
  publicKey: Buffer | null
  secretKey: Buffer | null
  /** A derived core's name; its key pair needs the master key. */
  name: Buffer | null
  createIfMissing: boolean
  readOnly: boolean
  /** Options for hypercore, with the store's own already merged in. */
  coreOpts: Feed.Options
  /** What the caller passed, for the 'feed' event. */
  original: unknown
}

/** The events a registry reports to every view of its store. */
export interface RegistryEvents {
  feed: (core: Core, opts: unknown) => void
  'core-open': (core: Core) => void
  'core-close': (core: Core) => void
  error: (err: Error) => void
}

export interface RegistryOptions {
  cacheSize: number
  masterKey: Buffer | null
}

/**
 * The state a root store and all its views share: storage, master key, the two caches and the
 * open replication streams. It turns a parsed request into a loaded core; views decide who holds it.
 */
export class CoreRegistry extends EventEmitter {
  readonly storage: ResolvedStorage
  readonly cache: CoreCache<Core>
  readonly streams: StreamTracker
  readonly locks = new ExclusiveLocks()
  masterKey: Buffer | null
  opened = false
  closed = false

  #opening: Promise<void> | null = null
  #closing: Promise<void> | null = null
  /** Named cores asked for before the master key was known, by hex name, until they have a discovery key. */
  readonly #pendingByName = new Map<string, Core>()

  constructor (storage: ResolvedStorage, opts: RegistryOptions) {
    super()
    this.setMaxListeners(0)
    this.storage = storage
    this.masterKey = opts.masterKey
    this.cache = new CoreCache<Core>({
      maxPassive: opts.cacheSize,
      isIdle: core => core.opened && core.peers.length === 0,
      evict: core => core.close(err => { if (err) this.emit('error', err) })
    })
    this.streams = new StreamTracker((dkey, cb) => this.#openForPeer(dkey, cb))
  }

  open (): Promise<void> {
    if (this.#opening === null) {
      this.#opening = new Promise<void>((resolve, reject) => {
        if (this.masterKey !== null) return resolve()
        loadOrCreateMasterKey(this.storage, (err, key) => {
          if (err || !key) return reject(err)
          this.masterKey = key
          resolve()
        })
      }).then(() => {
        this.opened = true
        this.#settlePending()
      })
      this.#opening.catch(() => {})
    }
    return this.#opening
  }

  /** Derives a name's key pair, waiting for the master key while the store opens. */
  derive (name: Buffer, cb: Callback<KeyPair>): void {
    if (this.masterKey !== null) return cb(null, deriveKeyPair(this.masterKey, name))
    this.open().then(() => cb(null, deriveKeyPair(this.masterKey as Buffer, name)), cb)
  }

  /** The loaded core for a request, if there is one (and a passive one counts as used). */
  lookup (request: CoreRequest): Core | undefined {
    const id = this.#idOf(request)
    if (id === null) return this.#pendingByName.get(toHex(request.name as Buffer))
    return this.cache.get(id)
  }

  /** Loads the core of `request`; `holder` (a view) references it, or none for a passive load. */
  load (request: CoreRequest, holder: object | null): Core {
    if (this.closed) throw STORE_CLOSED()
    const existing = this.lookup(request)
    if (existing !== undefined) {
      if (holder !== null) {
        if (request.discoveryKey === null) this.#pendingHolders.get(existing)?.add(holder)
        else this.cache.ref(toHex(request.discoveryKey), existing, holder)
      }
      return existing
    }
    return this.#create(request, holder)
  }

  #idOf (request: CoreRequest): string | null {
    if (request.discoveryKey !== null) return toHex(request.discoveryKey)
    if (request.name !== null && this.masterKey !== null) {
      const pair = deriveKeyPair(this.masterKey, request.name)
      request.publicKey = pair.publicKey
      request.discoveryKey = discoveryKey(pair.publicKey)
      return toHex(request.discoveryKey)
    }
    return null
  }

  #create (request: CoreRequest, holder: object | null): Core {
    const self = this
    const source: KeySource = {
      discoveryKey: request.discoveryKey,
      publicKey: request.publicKey,
      name: request.name,
      secretKey: request.secretKey,
      createIfMissing: request.createIfMissing,
      readOnly: request.readOnly
    }
    // Files open lazily: by then a named core asked for before ready knows its folder.
    const openFile: StorageFunction = name => this.storage.open(coreRoot(toHex(source.discoveryKey as Buffer)) + '/' + name)
    const keyFiles = new CoreKeyFiles(openFile, source, (name, cb) => this.derive(name, cb))

    const core: Core = new Core(name => {
      if (name === 'key') return keyFiles.keyStorage
      if (name === 'secret_key') return keyFiles.secretKeyStorage
      return openFile(name)
    }, request.publicKey, { ...request.coreOpts, createIfMissing: true }, keyFiles, request.readOnly)

    if (request.discoveryKey === null) {
      this.#pendingByName.set(toHex(request.name as Buffer), core)
      this.#pendingHolders.set(core, new Set(holder === null ? [] : [holder]))
    } else {
      this.#insert(toHex(request.discoveryKey), core, holder)
    }

    core.ifAvailable.wait()
    let failed = false
    core.once('error', onerror)
    core.once('ready', onready)
    core.once('close', onclose)
    // A passive core whose last peer left may now be evicted.
    core.on('peer-remove', () => { if (core.peers.length === 0) this.cache.trim() })
    return core

    function onready (): void {
      if (failed) return
      core.removeListener('error', onerror)
      self.emit('feed', core, request.original)
      self.emit('core-open', core)
      self.streams.attach(core)
      process.nextTick(() => core.ifAvailable.continue())
    }

    function onerror (): void {
      failed = true
      core.ifAvailable.continue()
      self.#forget(core)
    }

    function onclose (): void {
      self.#forget(core)
      if (!failed) self.emit('core-close', core)
    }
  }

  /** Holders of named cores created before the master key was known, until they can be inserted. */
  readonly #pendingHolders = new WeakMap<Core, Set<object>>()

  #insert (id: string, core: Core, holder: object | null): void {
    if (holder === null) this.cache.addPassive(id, core)
    else this.cache.ref(id, core, holder)
  }

  #settlePending (): void {
    for (const [name, core] of this.#pendingByName) {
      this.#pendingByName.delete(name)
      const pair = deriveKeyPair(this.masterKey as Buffer, Buffer.from(name, 'hex'))
      const id = toHex(discoveryKey(pair.publicKey))
      const holders = this.#pendingHolders.get(core) ?? new Set()
      if (holders.size === 0) this.#insert(id, core, null)
      for (const holder of holders) this.#insert(id, core, holder)
    }
  }

  #forget (core: Core): void {
    const dkey = core.keyFiles.discoveryKey
    if (dkey !== null) this.cache.delete(toHex(dkey), core)
    for (const [name, pending] of this.#pendingByName) {
      if (pending === core) this.#pendingByName.delete(name)
    }
  }

  /** Whether a core with this discovery key is loaded or has a `key` file in storage. */
  exists (dkey: Buffer, cb: (exists: boolean) => void): void {
    const id = toHex(dkey)
    if (this.cache.has(id)) return process.nextTick(cb, true)
    const file = this.storage.open(coreRoot(id) + '/key')
    readExact(file, 32, (_, key) => file.close(() => cb(key !== null && key !== undefined && discoveryKey(key).equals(dkey))))
  }

  #openForPeer (dkey: Buffer, cb: (core: Core | null) => void): void {
    if (this.closed) return cb(null)
    const cached = this.cache.get(toHex(dkey))
    if (cached !== undefined) return cb(cached)
    this.exists(dkey, exists => {
      if (!exists || this.closed) return cb(null)
      const core = this.load({
        discoveryKey: dkey,
        publicKey: null,
        secretKey: null,
        name: null,
        createIfMissing: false,
        readOnly: false,
        coreOpts: this.peerCoreOpts,
        original: { discoveryKey: dkey }
      }, null)
      cb(core)
    })
  }

  /** hypercore options for cores that only peers asked for: the store's own. */
  peerCoreOpts: Feed.Options = {}

  close (): Promise<void> {
    if (this.#closing === null) {
      this.closed = true
      this.streams.destroyAll()
      const cores = [...this.cache.cores(), ...this.#pendingByName.values()]
      this.#pendingByName.clear()
      this.#closing = Promise.all(cores.map(core => new Promise<Error | null>(resolve => core.close(err => resolve(err))))).then(errors => {
        this.cache.clear()
        const error = errors.find(err => err !== null && err !== undefined)
        if (error) throw error
      })
    }
    return this.#closing
  }
}

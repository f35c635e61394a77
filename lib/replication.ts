// Replication streams: created (or adopted, or piped over a raw socket), tracked, and given every
// core the store shares. Cores come from a CoreSource; this module never touches storage.
import type { Duplex } from 'stream'
import { channelPeer, HookedFeed, HYPERCORE_MAX_REQUESTS, openedLocally, peerStream, ProtocolStream, replicatesOver, setRequestBudget, streamChannels } from './hypercore9'
import type { Feed, Peer } from './hypercore9'
import { INVALID_OPTIONS, NO_INITIATOR } from './errors'
import { peersLog, short } from './log'
import { DEFAULT_MAX_BYTES_IN_FLIGHT } from './request-window'
import { StreamRequests } from './stream-requests'

/** hypercore@9's replication options (hypercore-protocol@8's among them), and which side initiates. */
export interface ReplicationOptions extends Feed.ReplicateOptions {
  /** Which side initiates; replicate(socket) needs it (or Hyperswarm's connection info). */
  initiator?: boolean
  /**
   * The most bytes of blocks this side keeps requested and unanswered over the stream (default 8 MiB):
   * the bound of the request window, which otherwise adapts to the link. A `maxRequests` fixes the
   * window instead, per core, as in corestore@5.
   */
  maxBytesInFlight?: number
}

/** What the replicator asks of the store. */
export interface CoreSource {
  /**
   * Loads the core a remote peer asked for, from memory or from disk, or answers `null` when there is
   * none. `settled` must be called once the core was handed to the stream, saying whether the peer
   * now replicates it (false: the stream ended, or the peer failed the capability check).
   */
  openForPeer (discoveryKey: Buffer, cb: (core: Feed | null, settled: (attached: boolean) => void) => void): void
}

/** replicate()'s arguments, resolved: the initiator, the options, and the stream to use or to pipe. */
export interface ReplicationArgs {
  initiator: boolean
  opts: ReplicationOptions
  /** A hypercore-protocol stream to replicate over (given, or in `opts.stream`). */
  stream: ProtocolStream | null
  /** A raw duplex (a TCP socket, a Hyperswarm connection) to pipe a new protocol stream through. */
  raw: Duplex | null
}

interface TrackedStream {
  stream: ProtocolStream
  initiator: boolean
  opts: ReplicationOptions
  /** The requests in flight per peer on this stream now (see requestsPerPeer). */
  maxRequests: number
  /** The stream's adaptive request window; null when the options fix `maxRequests`. */
  requests: StreamRequests | null
}

/**
 * Requests in flight per peer, by how many cores share the stream. hypercore@9 keeps 16 per peer,
 * right for one large core over a slow link; with many cores on one stream that many requests per
 * core only queue behind each other (and each answer re-sends the same root signature), so the
 * budget per core shrinks as cores are added.
 */
export function requestsPerPeer (cores: number): number {
  if (cores <= 2) return HYPERCORE_MAX_REQUESTS
  if (cores <= 7) return 8
  return 4
}

/** The open replication streams of one store: every core it attaches (each core that opens) joins each of them. */
export class Replicator {
  readonly #streams = new Set<TrackedStream>()
  /** The streams whose request windows adapt, by protocol stream (a peer names its stream). */
  readonly #windows = new Map<ProtocolStream, StreamRequests>()
  /** The remote address of streams piped over a socket (host:port). */
  readonly #addresses = new WeakMap<ProtocolStream, string>()
  readonly #source: CoreSource
  /** The store's own options, under every stream's. */
  readonly #defaults: ReplicationOptions
  #closed = false

  constructor (source: CoreSource, defaults: ReplicationOptions) {
    this.#source = source
    this.#defaults = defaults
  }

  /** How many streams are open. */
  get size (): number {
    return this.#streams.size
  }

  /**
   * The stream for replicate()'s arguments (created, adopted or piped over a raw duplex), replicating
   * `cores` now and every core loaded later, until it ends. After `destroyAll` it is destroyed at once.
   */
  replicate (args: ReplicationArgs, cores: Iterable<Feed>): ProtocolStream {
    const opts: ReplicationOptions = { ...this.#defaults, ...args.opts }
    const stream = args.stream ?? new ProtocolStream(args.initiator, opts)
    if (args.raw !== null) {
      pipeRaw(args.raw, stream)
      const { remoteAddress, remotePort } = args.raw as { remoteAddress?: unknown, remotePort?: unknown }
      if (typeof remoteAddress === 'string') this.#addresses.set(stream, typeof remotePort === 'number' ? `${remoteAddress}:${remotePort}` : remoteAddress)
    }
    if (this.#closed) {
      stream.destroy()
      return stream
    }
    this.track(stream, args.initiator, opts, cores)
    return stream
  }

  /** Replicates `cores` over `stream` and keeps it for cores loaded later, until it ends. */
  track (stream: ProtocolStream, initiator: boolean, opts: ReplicationOptions, cores: Iterable<Feed>): void {
    const tracked: TrackedStream = { stream, initiator, opts, maxRequests: HYPERCORE_MAX_REQUESTS, requests: null }
    if (opts.maxRequests === undefined) {
      tracked.requests = new StreamRequests({ maxBytesInFlight: opts.maxBytesInFlight ?? DEFAULT_MAX_BYTES_IN_FLIGHT, floor: () => tracked.maxRequests })
      this.#windows.set(stream, tracked.requests)
    }
    this.#streams.add(tracked)
    for (const core of cores) this.replicateCore(core, tracked)

    const ondiscoverykey = (dkey: Buffer): void => {
      // Every store on this stream counts itself in before any of them answers (see startLookup).
      const lookup = startLookup(stream, dkey)
      process.nextTick(() => this.#source.openForPeer(dkey, (core, settled) => {
        if (stream.destroyed) {
          lookup.done(false)
          return settled(false)
        }
        if (core !== null) {
          lookup.done(true)
          return this.replicateCore(core, tracked, settled, dkey)
        }
        // Other stores sharing this stream may serve it: the last to answer closes an unserved channel.
        if (lookup.done(false) && !openedLocally(stream, dkey)) {
          peersLog('close channel %s: no such core here', short(dkey))
          stream.close(dkey)
        }
        settled(false)
      }))
    }
    const onend = (): void => {
      this.#streams.delete(tracked)
      stream.removeListener('discovery-key', ondiscoverykey)
      if (tracked.requests !== null) {
        tracked.requests.close()
        this.#windows.delete(stream)
      }
    }
    stream.on('discovery-key', ondiscoverykey)
    stream.once('finish', onend)
    stream.once('end', onend)
    stream.once('close', onend)
  }

  /** A peer of core `id` sent a request for block `index`: its stream's window counts it. */
  requested (feed: Feed, peer: Peer, id: string, index: number): void {
    if (isFixed(feed)) return
    this.#windows.get(peerStream(peer))?.requested(feed, peer, id, index)
  }

  /** Block `index` of core `id` arrived from `peer` with `bytes`. */
  delivered (peer: Peer, id: string, index: number, bytes: number): void {
    this.#windows.get(peerStream(peer))?.delivered(peer, id, index, bytes)
  }

  /** A peer left: its requests will not be answered. */
  removed (peer: Peer): void {
    this.#windows.get(peerStream(peer))?.removed(peer)
  }

  /** A peer's remote address: of the socket its stream was piped over, or as hypercore-protocol knows it. */
  remoteAddress (peer: Peer): string | null {
    const stream = peerStream(peer)
    return this.#addresses.get(stream) ?? stream.remoteAddress ?? null
  }

  /** The request window of a stream (null when its options fix `maxRequests`). */
  windowOf (stream: ProtocolStream): StreamRequests | null {
    return this.#windows.get(stream) ?? null
  }

  /** Adds a core to every open stream. */
  attach (core: Feed): void {
    for (const tracked of this.#streams) this.replicateCore(core, tracked)
  }

  /** Replicates `core` over one stream once it is ready; hypercore itself skips a stream that already carries it. */
  replicateCore (core: Feed, tracked: TrackedStream, settled?: (attached: boolean) => void, asked?: Buffer): void {
    const { stream, initiator, opts } = tracked
    core.ready((err: Error | null) => {
      if (err && asked !== undefined && !stream.destroyed && !openedLocally(stream, asked)) {
        // A core a peer asked for that cannot open (EMFILE, EIO, a missing file): its channel closes,
        // the stream and its other cores go on.
        peersLog('close channel %s: the core failed to open (%s)', short(asked), err.message)
        stream.close(asked)
      }
      if (!err && !stream.destroyed && !core.closed && !core.closing) {
        core.replicate(initiator, { ...opts, stream })
        if (opts.maxRequests === undefined && !isFixed(core)) tuneRequests(tracked, core)
      }
      // hypercore closes the channel of a peer whose capability does not prove it knows the key.
      if (settled !== undefined) settled(!err && !stream.destroyed && replicatesOver(core, stream))
    })
  }

  /** Destroys every open stream; streams asked for later are destroyed at once. */
  destroyAll (): void {
    this.#closed = true
    for (const { stream } of [...this.#streams]) stream.destroy()
    this.#streams.clear()
  }
}

/**
 * Gives the core's new peer the stream's per-peer request budget; when the number of cores on the
 * stream crosses a step of requestsPerPeer, every peer on it gets the new budget (a few times per
 * stream, so attaching stays O(1) per core on average).
 */
function tuneRequests (tracked: TrackedStream, core: Feed): void {
  const channels = streamChannels(tracked.stream)
  if (channels === null) return
  const budget = requestsPerPeer(channels.count)
  if (budget !== tracked.maxRequests) {
    tracked.maxRequests = budget
    for (const peer of channels.peers()) setRequestBudget(peer, budget)
    return
  }
  if (budget === HYPERCORE_MAX_REQUESTS || core.discoveryKey === null) return
  const peer = channelPeer(tracked.stream, core.discoveryKey.toString('hex'))
  if (peer !== null) setRequestBudget(peer, budget)
}

/** A core given its own `maxRequests` keeps it: nothing adapts its budget. */
function isFixed (core: Feed): boolean {
  return core instanceof HookedFeed && core.fixedRequestBudget
}

/** `maxBytesInFlight` must be a whole number of bytes >= 1 when given. */
export function checkReplicationOptions (opts: { maxBytesInFlight?: unknown }): void {
  const bytes = opts.maxBytesInFlight
  if (bytes === undefined) return
  if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 1) {
    throw INVALID_OPTIONS(`maxBytesInFlight must be a whole number of bytes >= 1, got ${typeof bytes === 'number' ? bytes : typeof bytes}`)
  }
}

/** Pipes a protocol stream through a raw duplex; either ending destroys the other. */
function pipeRaw (raw: Duplex, stream: ProtocolStream): void {
  raw.pipe(stream).pipe(raw)
  raw.on('error', err => stream.destroy(err))
  raw.on('close', () => stream.destroy())
  stream.on('error', () => raw.destroy())
  stream.on('close', () => raw.destroy())
}

/**
 * The stores that share one stream (corestore@5 clients pass `{ stream }` to several) each look up a
 * discovery key the remote asked for; only when every one of them answered without the core may the
 * channel be closed, or a store still loading it from disk would lose it.
 */
const lookups = new WeakMap<ProtocolStream, Map<string, { pending: number, served: boolean }>>()

function startLookup (stream: ProtocolStream, dkey: Buffer): { done: (served: boolean) => boolean } {
  let byKey = lookups.get(stream)
  if (byKey === undefined) {
    byKey = new Map()
    lookups.set(stream, byKey)
  }
  const id = dkey.toString('hex')
  let state = byKey.get(id)
  if (state === undefined) {
    state = { pending: 0, served: false }
    byKey.set(id, state)
  }
  state.pending++
  const current = state
  const table = byKey
  return {
    /** Records one answer; true when it was the last and nobody served the core. */
    done: served => {
      if (served) current.served = true
      if (--current.pending > 0) return false
      if (table.get(id) === current) table.delete(id)
      return !current.served
    }
  }
}

/** Something that can carry a hypercore-protocol stream: a TCP socket, a Hyperswarm connection. */
export function isDuplex (value: unknown): value is Duplex {
  const s = value as Partial<Duplex> | null
  return s !== null && typeof s === 'object' && typeof s.pipe === 'function' && typeof s.write === 'function' && typeof s.on === 'function'
}

/**
 * The stream and initiator for every form `replicate` accepts: (isInitiator, opts), (opts),
 * (protocolStream, opts) or (rawDuplex, opts | hyperswarmInfo).
 */
export function resolveReplicationArgs (first: unknown, second: unknown): ReplicationArgs {
  // Hyperswarm@2's connection info (with `stream` = the raw socket, `peer`, queues...) says only who dialled.
  if (second !== undefined && second !== null && typeof second !== 'object') {
    throw INVALID_OPTIONS(`replicate()'s second argument takes options (or Hyperswarm's connection info), got ${typeof second} ${String(second)}`)
  }
  const info = isHyperswarmInfo(second) ? second : null
  const opts: ReplicationOptions = info === null && isPlainObject(second) ? { ...(second as ReplicationOptions) } : {}
  let stream: ProtocolStream | null = null
  let raw: Duplex | null = null
  let initiator: boolean | undefined

  if (typeof first === 'boolean') {
    initiator = first
  } else if (ProtocolStream.isProtocolStream(first)) {
    stream = first
  } else if (isDuplex(first)) {
    raw = first
  } else if (isPlainObject(first)) {
    Object.assign(opts, first as ReplicationOptions)
  } else if (first !== undefined && first !== null) {
    throw NO_INITIATOR()
  }

  if (opts.stream !== undefined && opts.stream !== null) {
    if (!ProtocolStream.isProtocolStream(opts.stream)) throw NO_INITIATOR()
    stream = opts.stream
  }
  checkReplicationOptions(opts)
  if (initiator === undefined) initiator = pickInitiator(opts, info, stream, raw)
  // A raw connection is today's Corestore form, which always replicates live.
  if (raw !== null && opts.live === undefined) opts.live = true
  delete opts.initiator
  delete opts.stream
  return { initiator, opts, stream, raw }
}

/** Any object with a boolean `client` is connection info: none of its fields are replication options. */
function isHyperswarmInfo (value: unknown): value is { client: boolean } {
  if (value === null || typeof value !== 'object' || isDuplex(value)) return false
  return typeof (value as { client?: unknown }).client === 'boolean'
}

function pickInitiator (opts: ReplicationOptions, info: { client: boolean } | null, stream: ProtocolStream | null, raw: Duplex | null): boolean {
  if (typeof opts.initiator === 'boolean') return opts.initiator
  // The side that dialled is the client.
  if (info !== null) return info.client
  if (stream !== null) return stream.initiator
  const own = (raw as { isInitiator?: unknown } | null)?.isInitiator
  if (typeof own === 'boolean') return own
  throw NO_INITIATOR()
}

function isPlainObject (value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !isDuplex(value)
}

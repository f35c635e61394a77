import './noise-first'
import ProtocolStream = require('hypercore-protocol')
import type { Duplex } from 'stream'
import { NO_INITIATOR } from './errors'
import type { Core } from './core'

export interface ReplicationOptions extends ProtocolStream.Options {
  /** Replicate over this hypercore-protocol stream instead of creating one. */
  stream?: ProtocolStream
  initiator?: boolean
}

/** Loads a core a remote peer asked for, from the cache or from disk, or answers `null`. */
export type PeerRequestHandler = (discoveryKey: Buffer, cb: (core: Core | null) => void) => void

interface TrackedStream {
  stream: ProtocolStream
  initiator: boolean
  opts: ReplicationOptions
}

/** The open replication streams of one store: cores loaded later join each of them. */
export class StreamTracker {
  readonly #streams = new Set<TrackedStream>()
  readonly #onPeerRequest: PeerRequestHandler

  constructor (onPeerRequest: PeerRequestHandler) {
    this.#onPeerRequest = onPeerRequest
  }

  get size (): number {
    return this.#streams.size
  }

  /** Replicates `cores` over `stream` and keeps it for cores loaded later, until it ends. */
  track (stream: ProtocolStream, initiator: boolean, opts: ReplicationOptions, cores: Iterable<Core>): void {
    const tracked: TrackedStream = { stream, initiator, opts }
    this.#streams.add(tracked)
    for (const core of cores) this.#replicate(tracked, core)

    const ondiscoverykey = (dkey: Buffer): void => {
      this.#onPeerRequest(dkey, core => {
        if (stream.destroyed) return
        if (core !== null) return this.#replicate(tracked, core)
        // Another store sharing this stream may serve it: close only a channel nobody opened here.
        if (!openedLocally(stream, dkey)) stream.close(dkey)
      })
    }
    const onend = (): void => {
      this.#streams.delete(tracked)
      stream.removeListener('discovery-key', ondiscoverykey)
    }
    stream.on('discovery-key', ondiscoverykey)
    stream.once('finish', onend)
    stream.once('end', onend)
    stream.once('close', onend)
  }

  /** Adds a newly loaded core to every open stream. */
  attach (core: Core): void {
    for (const tracked of this.#streams) this.#replicate(tracked, core)
  }

  destroyAll (): void {
    for (const { stream } of [...this.#streams]) stream.destroy()
    this.#streams.clear()
  }

  #replicate ({ stream, initiator, opts }: TrackedStream, core: Core): void {
    core.ready(err => {
      // hypercore itself skips a stream that already carries this core.
      if (err || stream.destroyed || core.closed || core.closing) return
      core.replicate(initiator, { ...opts, stream })
    })
  }
}

function openedLocally (stream: ProtocolStream, dkey: Buffer): boolean {
  const channel = stream.channelizer?.getChannel(dkey)
  return channel !== null && channel !== undefined && channel.localId > -1
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
export function resolveReplicationArgs (first: unknown, second: unknown): { initiator: boolean, opts: ReplicationOptions, stream: ProtocolStream | null, raw: Duplex | null } {
  // Hyperswarm@2's connection info (with `stream` = the raw socket, `peer`, queues...) says only who dialled.
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

// hypercore@9's replicating peers (lib/replicate.js's Peer, one per core per stream) and the channels
// hypercore-protocol@8 keeps for them, as the store needs them: errors contained to one channel, idle
// channels released, a request budget per peer, and which channels a stream carries.
import type { Feed, ProtocolStream } from './load'

/** A peer of one core on one stream (hypercore's Peer, as far as the rest of the store may see it). */
export type Peer = Feed.Peer

/** hypercore@9's Peer, the members read or written here. */
interface ReplicatingPeer {
  feed: unknown
  stream: { close (): void, stream: ProtocolStream }
  maxRequests: number
  urgentRequests: number
  inflightRequests: Array<{ index: number }>
  inflightWants: number
  _index: number
  _destroyed: boolean
  _close (): void
  _request (index: number, bytes: number, hash: boolean): void
  destroy (err?: Error): void
  update (): void
}

/** hypercore@9's Feed, the members request release touches. */
interface RequestingFeed {
  _reserved: { set (index: number, value: boolean): void }
}

/** hypercore-protocol@8's channelizer: each channel's handlers are hypercore's Peer. */
interface Channelizer {
  created: Map<string, { handlers: ReplicatingPeer | null, localId: number }>
  getChannel (discoveryKey: Buffer): { localId: number } | null | undefined
}

/** hypercore@9's own requests in flight per peer (and the urgent ones it adds on top). */
export const HYPERCORE_MAX_REQUESTS = 16
const URGENT_EXTRA = 16

/** Marks the feeds whose peers' errors stay on their own channel. */
const CONTAINED = Symbol('corestore-ts contained peer errors')
/** A feed's listener for the requests its peers send. */
const ON_REQUEST = Symbol('corestore-ts request sent')
const patchedPeers = new WeakSet<object>()

/**
 * hypercore@9 answers any error on one peer (a block it cannot read: EMFILE, EIO; a proof it cannot
 * make) by destroying the whole replication stream, with every other core on it. For `feed` that error
 * closes only its channel, and `onContained` hears of it; the stream and its other cores go on. Peers
 * of other hypercores keep hypercore's behaviour. Patched once per Peer class, when a first peer appears.
 */
export function containPeerErrors (feed: object, peer: Peer, onContained: (peer: Peer, err: Error) => void): void {
  (feed as Record<symbol, unknown>)[CONTAINED] = onContained
  patchPeerClass(peer)
}

/** `onRequest` hears of every block request a peer of `feed` sends (index, and the peer). */
export function watchRequests (feed: object, peer: Peer, onRequest: (peer: Peer, index: number) => void): void {
  (feed as Record<symbol, unknown>)[ON_REQUEST] = onRequest
  patchPeerClass(peer)
}

/**
 * Patches hypercore's Peer class once (its constructor is not exported; the first peer shows it):
 * `destroy` with an error closes only that channel for feeds that contain their errors, and `_request`
 * tells feeds that watch their requests. Peers of other hypercores keep hypercore's behaviour.
 */
function patchPeerClass (peer: Peer): void {
  const proto = Object.getPrototypeOf(peer) as ReplicatingPeer | null
  if (proto === null || patchedPeers.has(proto) || typeof proto.destroy !== 'function' || typeof proto._request !== 'function') return
  patchedPeers.add(proto)
  const request = proto._request
  proto._request = function (this: ReplicatingPeer, index: number, bytes: number, hash: boolean) {
    request.call(this, index, bytes, hash)
    const watcher = (this.feed as Record<symbol, unknown> | null)?.[ON_REQUEST]
    // A hash-only request carries no block: it is no sample of the link's rate.
    if (typeof watcher === 'function' && hash !== true) (watcher as (peer: Peer, index: number) => void)(this as unknown as Peer, index)
  }
  const destroy = proto.destroy
  proto.destroy = function (this: ReplicatingPeer, err?: Error) {
    const contained = (this.feed as Record<symbol, unknown> | null)?.[CONTAINED]
    if (err === undefined || err === null || typeof contained !== 'function') return destroy.call(this, err)
    if (this._index === -1 || this._destroyed) return
    this._destroyed = true
    this.stream.close()
    this._close()
    ;(contained as (peer: Peer, err: Error) => void)(this as unknown as Peer, err)
  }
}

/**
 * Closes every channel of `feed` if all are idle: no request of ours in flight, no want unanswered.
 * hypercore closes each channel (the remote sees it close) and removes the peer. True when it did.
 */
export function closeIdleChannels (feed: Feed): boolean {
  const peers = feed.peers as unknown as ReplicatingPeer[]
  if (peers.length === 0 || !peers.every(peer => peer.inflightRequests.length === 0 && peer.inflightWants === 0)) return false
  for (const peer of [...peers]) peer._close()
  return true
}

/** How many requests a peer keeps in flight. */
export function requestBudget (peer: Peer): number {
  return (peer as unknown as ReplicatingPeer).maxRequests
}

/** Sets how many requests a peer keeps in flight (hypercore derives its urgent allowance from it). */
export function setRequestBudget (peer: Peer, requests: number): void {
  const replicating = peer as unknown as ReplicatingPeer
  replicating.maxRequests = requests
  replicating.urgentRequests = requests + URGENT_EXTRA
}

/**
 * Takes back every request a peer has in flight, so that other peers may be asked for those blocks
 * (hypercore asks one peer per block); returns their indexes. An answer that comes later anyway is
 * accepted when the block is still wanted, and refused as unrequested when it is not. No peer is
 * asked here: the caller records the release first, then asks the peers it chooses (sendRequests).
 * Asking every peer at once (hypercore's `_updatePeers`) let the late peer take a block back before
 * the release was recorded, and the record then lost that request: nothing ever asked for it again.
 */
export function releaseRequests (peer: Peer): number[] {
  const replicating = peer as unknown as ReplicatingPeer
  const released = replicating.inflightRequests.splice(0).map(request => request.index)
  const feed = replicating.feed as RequestingFeed
  for (const index of released) feed._reserved.set(index, false)
  return released
}

/** Lets a peer send the requests its (new) budget allows now, rather than after its next answer. */
export function sendRequests (peer: Peer): void {
  (peer as unknown as ReplicatingPeer).update()
}

/**
 * Calls `cb` once the stream's Noise handshake is done (the remote's key, the peer's id, is known),
 * at once when it is, or when the stream has no handshake (`noise: false`). A stream that ends first
 * never calls it.
 */
export function afterHandshake (stream: ProtocolStream, cb: () => void): void {
  const state = (stream as unknown as { state?: { _noise?: boolean } }).state
  if (stream.remotePublicKey !== null || state?._noise === false) return cb()
  stream.once('handshake', cb)
}

/** The stream a peer replicates over. */
export function peerStream (peer: Peer): ProtocolStream {
  return peer.stream.stream
}

/** How many of a peer's requests wait for an answer. */
export function requestsInFlight (peer: Peer): number {
  return (peer as unknown as ReplicatingPeer).inflightRequests.length
}

/** The peers of every channel a stream carries (the channelizer's handlers), and how many channels it has. */
export function streamChannels (stream: ProtocolStream): { count: number, peers (): IterableIterator<Peer> } | null {
  const created = (stream as unknown as { channelizer?: Channelizer }).channelizer?.created
  if (created === undefined) return null
  return {
    count: created.size,
    * peers () {
      for (const channel of created.values()) {
        const handlers = channel.handlers
        if (handlers !== null && handlers !== undefined && typeof handlers.maxRequests === 'number') yield handlers as unknown as Peer
      }
    }
  }
}

/** The peer replicating the core with this discovery key over `stream`, if that channel exists. */
export function channelPeer (stream: ProtocolStream, discoveryKeyHex: string): Peer | null {
  const handlers = (stream as unknown as { channelizer?: Channelizer }).channelizer?.created.get(discoveryKeyHex)?.handlers
  return handlers === null || handlers === undefined || typeof handlers.maxRequests !== 'number' ? null : handlers as unknown as Peer
}

/** Whether this side opened the channel of a discovery key on `stream` (some store here replicates it). */
export function openedLocally (stream: ProtocolStream, dkey: Buffer): boolean {
  const channel = (stream as unknown as { channelizer?: Channelizer }).channelizer?.getChannel(dkey)
  return channel !== null && channel !== undefined && channel.localId > -1
}

/** Whether `feed` has a peer on `stream`: hypercore closes the channel of a peer that failed the capability check. */
export function replicatesOver (feed: Feed, stream: ProtocolStream): boolean {
  return feed.peers.some(peer => peer.stream.stream === stream)
}

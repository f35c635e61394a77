// A core's in-memory state kept equal to what its files hold. hypercore@9 advances its Merkle state,
// length and bitfield before (or while) it writes, and never steps back when a write fails; after a
// failed append, truncate or clear the store reloads that state from disk instead.
import { createBitfield, createTreeIndex } from './hypercore'
import type { Feed, HypercoreBitfield, HypercoreTreeIndex } from './hypercore'

type Done = (err: Error | null) => void

/** A file of a core as hypercore@9 uses it (random-access-storage). */
interface CoreFile {
  read (offset: number, size: number, cb: (err: Error | null, data?: Buffer) => void): void
  stat?: (cb: (err: Error | null, st?: { size: number }) => void) => void
  statable?: boolean
}

/** The parts of hypercore@9's Feed that hold what its files hold. */
interface FeedState {
  length: number
  byteLength: number
  _seq: number
  bitfield: HypercoreBitfield
  tree: HypercoreTreeIndex
  _synced: unknown
  _storage: { bitfield: CoreFile, treeCache: unknown }
  _unannounce (message: { start: number, length: number }): void
  _reloadMerkleState (cb: Done): void
}

/** The bitfield file: a 32-byte header, then pages. */
const BITFIELD_HEADER = 32

/**
 * Rebuilds `feed`'s length, byte length, bitfield, tree index and Merkle state from its files, and
 * takes back from its peers the blocks it announced that the files do not hold. Fails when the files
 * cannot be read; the caller then closes the core rather than keep a state that is not on disk.
 */
export function reloadState (feed: Feed, cb: Done): void {
  const state = feed as unknown as FeedState
  const pageSize = state.bitfield.pages.pageSize
  readBitfieldPages(state._storage.bitfield, pageSize, (err, pages) => {
    if (err !== null || pages === undefined) return cb(err ?? new Error('no bitfield'))
    const memoryLength = state.length
    // Nodes read or written before the failure may not be what the files hold now: read them again.
    state._storage.treeCache = null
    const bitfield = createBitfield(pageSize, pages)
    state.bitfield = bitfield
    state.tree = createTreeIndex(bitfield.tree)
    state._synced = null
    state.length = state.tree.blocks()
    state._seq = state.length
    state._reloadMerkleState(err => {
      if (err) return cb(err)
      // The byte length is the sum of the root nodes' sizes, which _reloadMerkleState just read.
      const roots = (state as unknown as { _merkle: { roots: Array<{ size: number }> } })._merkle.roots
      state.byteLength = roots.reduce((sum, node) => sum + node.size, 0)
      if (memoryLength > state.length) state._unannounce({ start: state.length, length: memoryLength - state.length })
      cb(null)
    })
  })
}

/**
 * Every page of the bitfield file after its header. Unlike hypercore's own reader, a read error is an
 * error here, not the end of the file: a transient EIO must not make a core shorter.
 */
function readBitfieldPages (file: CoreFile, pageSize: number, cb: (err: Error | null, pages?: Buffer[]) => void): void {
  const pages: Buffer[] = []
  const collect = (data: Buffer): void => {
    for (let i = 0; i < data.length; i += pageSize) pages.push(data.subarray(i, i + pageSize))
  }
  if (file.statable === true && typeof file.stat === 'function') {
    file.stat((err, st) => {
      if (err) return isMissingFile(err) ? cb(null, pages) : cb(err)
      const size = (st?.size ?? 0) - BITFIELD_HEADER
      if (size <= 0) return cb(null, pages)
      file.read(BITFIELD_HEADER, size, (err, data) => {
        if (err || data === undefined) return cb(err ?? new Error('short read'))
        collect(data)
        cb(null, pages)
      })
    })
    return
  }
  // Storage that cannot stat: read page by page until the file ends ('Could not satisfy length').
  const next = (): void => {
    file.read(BITFIELD_HEADER + pages.length * pageSize, pageSize, (err, data) => {
      if (err) return isIoError(err) ? cb(err) : cb(null, pages)
      if (data !== undefined) collect(data)
      next()
    })
  }
  next()
}

/** What a core's files said while it opened: the first I/O error a read met, which fails the open. */
export interface OpenReads {
  opened: boolean
  failed: Error | null
  /** What the watch wrapped, unwrapped once the core opened (see `stopWatching`). */
  wrapped: Array<{ target: object, originals: Record<string, unknown> }>
}

/**
 * Watches a core file's reads until the core opened. hypercore@9 reads the bitfield, the signatures
 * and the tree at open and takes most read errors for "not there": a transient EIO would open the core
 * shorter than it is, and the next append would overwrite acknowledged blocks.
 */
export function watchOpenReads<F> (file: F, reads: OpenReads): F {
  const watched = file as unknown as CoreFile
  const note = (err: Error | null): void => noteOpenError(reads, err)
  const read = watched.read
  const originals: Record<string, unknown> = { read }
  watched.read = function (offset, size, cb) {
    read.call(this, offset, size, (err, data) => {
      note(err)
      cb(err, data)
    })
  }
  const stat = watched.stat
  if (typeof stat === 'function') {
    originals.stat = stat
    watched.stat = function (cb) {
      stat.call(this, (err, st) => {
        note(err)
        cb(err, st)
      })
    }
  }
  reads.wrapped.push({ target: watched, originals })
  return file
}

/** Records the first I/O error a read met while the core opens (later ones and other errors pass). */
export function noteOpenError (reads: OpenReads, err: Error | null): void {
  if (err !== null && !reads.opened && reads.failed === null && isIoError(err)) reads.failed = err
}

/** The core opened: its files and storage go back to their own methods (no wrapper per core stays). */
export function stopWatching (reads: OpenReads): void {
  reads.opened = true
  // Put the originals back (not `delete`: that would turn the objects into slow dictionaries).
  for (const { target, originals } of reads.wrapped) Object.assign(target, originals)
  reads.wrapped = []
}

/** hypercore@9's storage object: what it reads at open. */
interface FeedStorage {
  open (opts: unknown, cb: (err: Error | null, state?: unknown) => void): void
  getSignature (index: number, cb: (err: Error | null, signature?: Buffer) => void): void
}

/**
 * Makes an I/O error met while opening fail the open: hypercore@9's storage open reports it (it would
 * read an unreadable bitfield as empty), and once one was met no more signatures are read (hypercore
 * ignores their errors and steps back a block for each, down to a negative index).
 */
export function guardOpen (feed: Feed, reads: OpenReads): void {
  const storage = (feed as unknown as { _storage: FeedStorage })._storage
  const open = storage.open
  storage.open = function (opts, cb) {
    open.call(this, opts, (err, state) => cb(err ?? (reads.opened ? null : reads.failed), state))
  }
  const getSignature = storage.getSignature
  reads.wrapped.push({ target: storage, originals: { open, getSignature } })
  storage.getSignature = function (index, cb) {
    if (!reads.opened && reads.failed !== null) return process.nextTick(cb, reads.failed)
    getSignature.call(this, index, cb)
  }
}

/** An error from the operating system (EIO, EMFILE...), as opposed to reading past the end of a file. */
export function isIoError (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && code !== 'ENOENT'
}

function isMissingFile (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'ENOENT'
}

/** A replicating peer as hypercore@9's lib/replicate.js makes it (its class is not exported). */
interface ReplicatingPeer {
  feed: unknown
  stream: { close (): void }
  _index: number
  _destroyed: boolean
  _close (): void
  destroy (err?: Error): void
}

/** Marks the feeds whose peers' errors stay on their own channel. */
const CONTAINED = Symbol('corestore-ts contained peer errors')
const patchedPeers = new WeakSet<object>()

/**
 * hypercore@9 answers any error on one peer (a block it cannot read: EMFILE, EIO; a proof it cannot
 * make) by destroying the whole replication stream, with every other core on it. For the store's
 * cores that error closes only that core's channel; the stream and its other cores go on. Peers of
 * other hypercores keep hypercore's behaviour. Patched once per Peer class, when a first peer appears.
 */
export function containPeerErrors (feed: object, peer: unknown, onContained: (err: Error) => void): void {
  (feed as Record<symbol, unknown>)[CONTAINED] = onContained
  const proto = Object.getPrototypeOf(peer) as ReplicatingPeer | null
  if (proto === null || patchedPeers.has(proto) || typeof proto.destroy !== 'function') return
  patchedPeers.add(proto)
  const destroy = proto.destroy
  proto.destroy = function (this: ReplicatingPeer, err?: Error) {
    const contained = (this.feed as Record<symbol, unknown> | null)?.[CONTAINED]
    if (err === undefined || err === null || typeof contained !== 'function') return destroy.call(this, err)
    if (this._index === -1 || this._destroyed) return
    this._destroyed = true
    this.stream.close()
    this._close()
    ;(contained as (err: Error) => void)(err)
  }
}

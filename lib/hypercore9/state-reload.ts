// A core's in-memory state kept equal to what its files hold. hypercore@9 advances its Merkle state,
// length and bitfield before (or while) it writes, and never steps back when a write fails; after a
// failed append, truncate or clear the store reloads that state from disk instead.
import { SHORT_READ } from '../errors'
import { HEADER_BYTES } from '../storage/hypercore-files'
import { isIoError } from '../storage/files'
import { createBitfield, createTreeIndex } from './load'
import type { Feed, HypercoreBitfield, HypercoreTreeIndex } from './load'
import type { CoreFile } from './open-guards'

type Done = (err: Error | null) => void

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

/**
 * Rebuilds `feed`'s length, byte length, bitfield, tree index and Merkle state from its files, and
 * takes back from its peers the blocks it announced that the files do not hold. Fails when the files
 * cannot be read; the caller then closes the core rather than keep a state that is not on disk.
 */
export function reloadState (feed: Feed, cb: Done): void {
  const state = feed as unknown as FeedState
  const pageSize = state.bitfield.pages.pageSize
  readBitfieldPages(state._storage.bitfield, pageSize, (err, pages) => {
    if (err !== null || pages === undefined) return cb(err ?? SHORT_READ('The bitfield file ended before the bytes its size promised'))
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
      if (err) return (err as NodeJS.ErrnoException).code === 'ENOENT' ? cb(null, pages) : cb(err)
      const size = (st?.size ?? 0) - HEADER_BYTES
      if (size <= 0) return cb(null, pages)
      file.read(HEADER_BYTES, size, (err, data) => {
        if (err || data === undefined) return cb(err ?? SHORT_READ('The bitfield file ended before the bytes its size promised'))
        collect(data)
        cb(null, pages)
      })
    })
    return
  }
  // Storage that cannot stat: read page by page until the file ends ('Could not satisfy length').
  const next = (): void => {
    file.read(HEADER_BYTES + pages.length * pageSize, pageSize, (err, data) => {
      if (err) return isIoError(err) ? cb(err) : cb(null, pages)
      if (data !== undefined) collect(data)
      next()
    })
  }
  next()
}

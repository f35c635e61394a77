// How a core writes tree nodes. hypercore@9 writes each node of a verified block with a write of its
// own (40 bytes), and never remembers a node it wrote: it reads it back from disk to verify the next
// block, or to prove a block it has just appended. Here the nodes of a block go out in runs of adjacent
// indexes, one write per run, and every node written lands in hypercore's own tree cache, where its
// reads look first. The bytes on disk, the order of the steps and what callbacks see are hypercore's.
import { encodeNodes, NODE_BYTES, NODE_HASH_BYTES, nodeOffset } from '../storage/hypercore-files'
import type { TreeNode } from '../storage/hypercore-files'
import type { Feed } from './load'

type Done = (err: Error | null) => void

/** hypercore@9's storage of a core (lib/storage.js): the parts written here. */
interface CoreStorage {
  tree: { write (offset: number, data: Buffer, cb: Done): void }
  treeCache: { get (key: number): TreeNode | null | undefined, set (key: number, node: TreeNode): void } | null
  putData (index: number, data: Buffer, nodes: TreeNode[], cb: Done): void
  putSignature (index: number, signature: Buffer, cb: Done): void
  putNode (index: number, node: TreeNode, cb?: Done): void
  putNodeBatch (index: number, nodes: Array<TreeNode | undefined>, cb?: Done): void
}

/** The parts of hypercore@9's Feed that a block write uses. */
interface WritingFeed {
  _storage: CoreStorage
  /** Which tree nodes are on disk. */
  tree: { get (index: number): boolean }
  _writeDone (index: number, data: Buffer | null, nodes: TreeNode[], from: unknown, cb: Done): void
}

const noop: Done = () => {}

/** A node served from the cache: the same fields as hypercore's, its hash a slice of the bytes written. */
class CachedNode implements TreeNode {
  constructor (readonly index: number, readonly hash: Buffer, readonly size: number) {}
}

/**
 * Makes a core's storage remember the nodes it writes (appends included). The two methods are shared
 * by every core: one property each per storage, no closure.
 */
export function rememberWrittenNodes (feed: Feed): void {
  const storage = (feed as unknown as WritingFeed)._storage
  storage.putNode = putNode
  storage.putNodeBatch = putNodeBatch
}

function putNode (this: CoreStorage, index: number, node: TreeNode, cb: Done = noop): void {
  putNodeBatch.call(this, index, [node], cb)
}

/** hypercore's putNodeBatch (a hole is written as zeros, and not remembered), remembering on success. */
function putNodeBatch (this: CoreStorage, index: number, nodes: Array<TreeNode | undefined>, cb: Done = noop): void {
  const buffer = encodeNodes(nodes)
  this.tree.write(nodeOffset(index), buffer, err => {
    // Remembered only once on disk: a failed write must not be served from memory. The cache is read
    // now, not before: a core whose state was reloaded from its files has dropped it.
    const cache = this.treeCache
    if (err === null && cache !== null) {
      nodes.forEach((node, i) => {
        if (node === undefined || node === null) return
        const offset = i * NODE_BYTES
        // Slices of the written buffer, never of a peer's message that the hash may point into.
        cache.set(index + i, new CachedNode(index + i, buffer.subarray(offset, offset + NODE_HASH_BYTES), node.size))
      })
    }
    cb(err)
  })
}

/**
 * Writes block `index` (its data, the tree nodes that verified it and a signature), then runs
 * hypercore's `_writeDone`, as hypercore@9's `_writeAfterHook` does. The first error is reported
 * once every write has finished, to `onFailed` first.
 */
export function writeVerifiedBlock (target: Feed, index: number, data: Buffer | null, nodes: TreeNode[], sig: { index: number, signature: Buffer } | null, from: unknown, cb: Done, onFailed?: (feed: Feed, err: Error) => void): void {
  const feed = target as unknown as WritingFeed
  const storage = feed._storage
  // hypercore-cache answers null for a node it does not hold.
  const runs = nodeRuns(nodes, index => feed.tree.get(index) ? storage.treeCache?.get(index) : undefined)
  let pending = runs.length + 1 + (sig !== null && sig !== undefined ? 1 : 0)
  let error: Error | null = null
  const done = (err: Error | null): void => {
    if (err !== null && error === null) error = err
    if (--pending > 0) return
    if (error !== null) {
      onFailed?.(target, error)
      return cb(error)
    }
    feed._writeDone(index, data, nodes, from, cb)
  }

  for (const run of runs) storage.putNodeBatch((run[0] as TreeNode).index, run, done)
  if (data !== null && data !== undefined) storage.putData(index, data, nodes, done)
  else done(null)
  if (sig !== null && sig !== undefined) storage.putSignature(sig.index, sig.signature, done)
}

/** The widest gap between two runs that is filled with nodes already stored, to make one write of them. */
const MAX_GAP = 2

/**
 * The nodes sorted by index, cut into runs of adjacent indexes (a repeated index starts a new run). A
 * gap of up to MAX_GAP nodes between two runs is filled with the nodes `stored` knows (written
 * again with the bytes they have), so that both go out as one write.
 */
export function nodeRuns (nodes: readonly TreeNode[], stored: (index: number) => TreeNode | null | undefined = () => undefined): TreeNode[][] {
  const sorted = nodes.length < 2 ? nodes : nodes.slice().sort((a, b) => a.index - b.index)
  const runs: TreeNode[][] = []
  let run: TreeNode[] = []
  let last = -2
  for (const node of sorted) {
    if (node.index !== last + 1 && run.length > 0 && !fillGap(run, last, node.index, stored)) {
      runs.push(run)
      run = []
    }
    run.push(node)
    last = node.index
  }
  if (run.length > 0) runs.push(run)
  return runs
}

/** Appends the stored nodes between `last` and `next` to `run`, when the gap is small and all are known. */
function fillGap (run: TreeNode[], last: number, next: number, stored: (index: number) => TreeNode | null | undefined): boolean {
  const gap = next - last - 1
  if (gap < 1 || gap > MAX_GAP) return false
  const filling: TreeNode[] = []
  for (let index = last + 1; index < next; index++) {
    const node = stored(index)
    // Never a hole: a node left out of the cache may well be on disk.
    if (node === undefined || node === null) return false
    filling.push(node)
  }
  run.push(...filling)
  return true
}

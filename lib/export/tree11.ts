// The Merkle tree hash Hypercore 11 keeps for a core, computed from its blocks as they stream past
// (and the root merging both Hypercore versions share, which v9-source.ts uses with 9's hashes):
// the export checks that the new store holds exactly the blocks it read (after a copy, and before it
// skips or finishes a core an earlier run wrote). The hashes are Hypercore 11's (hypercore-crypto@3,
// lengths little-endian), passed in from the export's stack.
import flat = require('flat-tree')
import type { TreeNode } from '../storage/hypercore-files'

/** hypercore-crypto@3's functions that build a tree. */
export interface Crypto11 {
  data (block: Buffer): Buffer
  parent (a: TreeNode, b: TreeNode): Buffer
  tree (roots: TreeNode[]): Buffer
}

/** The full roots of the blocks added so far, and their tree hash. */
export class TreeHash11 {
  readonly #crypto: Crypto11
  readonly #roots: TreeNode[] = []
  #length = 0

  constructor (crypto: Crypto11) {
    this.#crypto = crypto
  }

  get length (): number {
    return this.#length
  }

  add (block: Buffer): void {
    addLeaf(this.#roots, { index: 2 * this.#length++, hash: this.#crypto.data(block), size: block.length }, (left, right) => this.#crypto.parent(left, right))
  }

  /** The tree hash of the blocks added so far (Hypercore 11's `core.treeHash(length)`). */
  hash (): Buffer {
    return this.#crypto.tree(this.#roots)
  }
}

/**
 * Adds a leaf to the full roots of the blocks before it, merging siblings into their parent as
 * hypercore's merkle stream does; `parent` hashes two siblings (Hypercore 9's or 11's rules).
 */
export function addLeaf (roots: TreeNode[], leaf: TreeNode, parent: (left: TreeNode, right: TreeNode) => Buffer): void {
  roots.push(leaf)
  while (roots.length >= 2) {
    const right = roots[roots.length - 1] as TreeNode
    const left = roots[roots.length - 2] as TreeNode
    if (flat.sibling(left.index) !== right.index) break
    roots.length -= 2
    roots.push({ index: flat.parent(left.index), hash: parent(left, right), size: left.size + right.size })
  }
}

// The Merkle tree hash Hypercore 11 keeps for a core, computed from its blocks as they stream past:
// the export checks that the new store holds exactly the blocks it read (after a copy, and before it
// skips or finishes a core an earlier run wrote). The hashes are Hypercore 11's (hypercore-crypto@3,
// lengths little-endian), passed in from the export's stack.
import flat = require('flat-tree')

/** hypercore-crypto@3's functions that build a tree. */
export interface Crypto11 {
  data (block: Buffer): Buffer
  parent (a: TreeNode11, b: TreeNode11): Buffer
  tree (roots: TreeNode11[]): Buffer
}

export interface TreeNode11 {
  index: number
  hash: Buffer
  size: number
}

/** The full roots of the blocks added so far, and their tree hash. */
export class TreeHash11 {
  readonly #crypto: Crypto11
  readonly #roots: TreeNode11[] = []
  #length = 0

  constructor (crypto: Crypto11) {
    this.#crypto = crypto
  }

  get length (): number {
    return this.#length
  }

  add (block: Buffer): void {
    this.#roots.push({ index: 2 * this.#length++, hash: this.#crypto.data(block), size: block.length })
    while (this.#roots.length >= 2) {
      const right = this.#roots[this.#roots.length - 1] as TreeNode11
      const left = this.#roots[this.#roots.length - 2] as TreeNode11
      if (flat.sibling(left.index) !== right.index) break
      this.#roots.length -= 2
      this.#roots.push({ index: flat.parent(left.index), hash: this.#crypto.parent(left, right), size: left.size + right.size })
    }
  }

  /** The tree hash of the blocks added so far (Hypercore 11's `core.treeHash(length)`). */
  hash (): Buffer {
    return this.#crypto.tree(this.#roots)
  }
}

// hypercore@9's own file formats, declared once: the store writes tree nodes itself (block writes),
// rebuilds a core's state from its bitfield after a failed write, and reads lengths and sizes from
// folders it has not opened (inspect). Every one of these files starts with a 32-byte header.

/** The header of `tree`, `signatures` and `bitfield`. */
export const HEADER_BYTES = 32
/** A tree node: a 32-byte hash, then its size as a 64-bit big-endian integer. */
export const NODE_BYTES = 40
export const NODE_HASH_BYTES = 32
/** A signature in `signatures`: 64 bytes per block. */
export const SIGNATURE_BYTES = 64

/** A Merkle tree node as hypercore@9 passes it around. */
export interface TreeNode {
  index: number
  hash: Buffer
  size: number
}

/** Where node `index` starts in the tree file. */
export function nodeOffset (index: number): number {
  return HEADER_BYTES + NODE_BYTES * index
}

/** The bytes of adjacent nodes as they lie in the tree file; a hole is 40 zero bytes. */
export function encodeNodes (nodes: ReadonlyArray<TreeNode | undefined>): Buffer {
  // From Node's shared pool (zeroed: a hole is written as zeros), not an ArrayBuffer of its own per
  // block: remembered hashes are views of it, and a store with many loaded cores holds many.
  const buffer = Buffer.allocUnsafe(nodes.length * NODE_BYTES).fill(0)
  nodes.forEach((node, i) => {
    if (node === undefined || node === null) return
    const offset = i * NODE_BYTES
    node.hash.copy(buffer, offset, 0, NODE_HASH_BYTES)
    // hypercore's uint64be: the high and the low 32 bits of a size below 2^53.
    buffer.writeUInt32BE(Math.floor(node.size / 0x100000000), offset + NODE_HASH_BYTES)
    buffer.writeUInt32BE(node.size >>> 0, offset + NODE_HASH_BYTES + 4)
  })
  return buffer
}

/** The size of one encoded node, or null for a node never written (hypercore's own test for a hole). */
export function decodeNodeSize (bytes: Buffer): number | null {
  if (bytes.length < NODE_BYTES) return null
  const size = bytes.readBigUInt64BE(NODE_HASH_BYTES)
  if (size === 0n && bytes.subarray(0, NODE_HASH_BYTES).every(byte => byte === 0)) return null
  return Number(size)
}

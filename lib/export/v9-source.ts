// One Hypercore 9 core of a corestore@5 folder, read from its files for the export: read-only (the
// files are opened O_RDONLY, without moving their access times), streamed in batches, and verified
// under hypercore@9's rules as it goes: each block against its leaf node in `tree` (BLAKE2b over
// type 0, the big-endian length and the data), and the whole against the signature of its last
// block, over the roots the blocks themselves build (type 2, each root's hash, big-endian index and
// size; then the big-endian length, or without it as the oldest cores signed); optionally every
// stored signature on the way, each over the roots of the blocks up to it.
import fs = require('fs')
import path = require('path')
import sodium = require('sodium-native')
import { openFileNoAtime } from '../storage/files'
import type { TreeNode } from '../storage/hypercore-files'
import { decodeNodeSize, HEADER_BYTES, NODE_BYTES, NODE_HASH_BYTES, nodeOffset, SIGNATURE_BYTES } from '../storage/hypercore-files'
import { EXPORT_CORRUPT_CORE } from '../errors'
import { addLeaf } from './tree11'

/** hypercore@9's bitfield file: pages after the header (their size in it, 3584 bytes today), each starting with 1024 bytes of the data bitfield. */
const BITFIELD_PAGE_BYTES = 2048 + 1024 + 512
const DATA_BITS_PER_PAGE = 1024 * 8
/** Blocks read and verified per batch, and the bytes a batch stops at (one block at least). */
const BATCH_BLOCKS = 256
const BATCH_BYTES = 4 * 1024 * 1024

const LEAF_TYPE = Buffer.from([0])
const PARENT_TYPE = Buffer.from([1])
const ROOT_TYPE = Buffer.from([2])

/** What reading a core found. */
export interface SourceRead {
  /** Blocks read and verified (the core's length, or the blocks before its first hole). */
  blocks: number
  bytes: number
}

/**
 * Reads blocks 0 to `blocks - 1` of the core in `folder`, verifies each (and with `everySignature`
 * each stored signature), then the signature of the last: `onBatch` gets each batch in order once its blocks are verified (not the signature:
 * a caller that writes must wait for this promise before calling the copy done). Throws
 * EXPORT_CORRUPT_CORE naming the block (or the signature) that fails.
 */
export async function readVerified (folder: string, publicKey: Buffer, blocks: number, onBatch?: (batch: Buffer[], first: number) => Promise<void>, opts: { everySignature?: boolean } = {}): Promise<SourceRead> {
  const keyHex = publicKey.toString('hex')
  const corrupt = (what: string): Error => EXPORT_CORRUPT_CORE(keyHex, folder, what)
  if (blocks === 0) return { blocks: 0, bytes: 0 }
  const [tree, data, signatures] = await Promise.all(['tree', 'data', 'signatures'].map(async file => await openFileNoAtime(path.join(folder, file))))
  try {
    if (tree === null || tree === undefined) throw corrupt('it has no tree file')
    if (signatures === null || signatures === undefined) throw corrupt('it has no signatures file')
    const roots: TreeNode[] = []
    let offset = 0
    for (let first = 0; first < blocks;) {
      const count = Math.min(BATCH_BLOCKS, blocks - first)
      const leaves = await readLeaves(tree, first, count, corrupt)
      // Cut the batch at BATCH_BYTES (keeping one block at least).
      let take = 0
      let size = 0
      while (take < leaves.length && (take === 0 || size + (leaves[take] as TreeNode).size <= BATCH_BYTES)) size += (leaves[take++] as TreeNode).size
      const bytes = await readRange(data, offset, size, first, corrupt)
      const signed = opts.everySignature === true ? await readSignatures(signatures, first, take) : null
      const batch: Buffer[] = []
      let at = 0
      for (let i = 0; i < take; i++) {
        const leaf = leaves[i] as TreeNode
        const block = bytes.subarray(at, at + leaf.size)
        at += leaf.size
        if (!leafHash(block).equals(leaf.hash)) throw corrupt(`block ${first + i} does not match its tree node (its data was changed or lost)`)
        addLeaf(roots, leaf, parentHash)
        // hypercore@9 stores a signature at the last block of each append (and a downloader where a
        // peer sent one): a blank one is no fault, one that does not verify is. The last is checked
        // below, and must be there.
        const signature = signed?.subarray(i * SIGNATURE_BYTES, (i + 1) * SIGNATURE_BYTES)
        if (signature !== undefined && signature.length === SIGNATURE_BYTES && !isBlank(signature) && !verifiesRoots(roots, first + i + 1, signature, publicKey)) {
          throw corrupt(`the signature of block ${first + i} does not verify the blocks before it under this key`)
        }
        batch.push(block)
      }
      if (onBatch !== undefined) await onBatch(batch, first)
      offset += size
      first += take
    }
    const signature = Buffer.alloc(SIGNATURE_BYTES)
    const { bytesRead } = await signatures.read(signature, 0, SIGNATURE_BYTES, HEADER_BYTES + SIGNATURE_BYTES * (blocks - 1))
    if (bytesRead !== SIGNATURE_BYTES || isBlank(signature)) throw corrupt(`it holds no signature for block ${blocks - 1}`)
    if (!verifiesRoots(roots, blocks, signature, publicKey)) throw corrupt(`the signature of block ${blocks - 1} does not verify the blocks before it under this key`)
    return { blocks, bytes: offset }
  } finally {
    await Promise.all([tree, data, signatures].map(async handle => await handle?.close()))
  }
}

/** The stored signatures of blocks first to first + count - 1 (shorter when the file ends). */
async function readSignatures (signatures: fs.promises.FileHandle, first: number, count: number): Promise<Buffer> {
  const out = Buffer.alloc(count * SIGNATURE_BYTES)
  const { bytesRead } = await signatures.read(out, 0, out.length, HEADER_BYTES + SIGNATURE_BYTES * first)
  return out.subarray(0, bytesRead)
}

async function readLeaves (tree: fs.promises.FileHandle, first: number, count: number, corrupt: (what: string) => Error): Promise<TreeNode[]> {
  // Leaves are the even nodes: block i is node 2i, so the span from node 2·first holds them all.
  const span = Buffer.alloc(NODE_BYTES * (2 * count - 1))
  const { bytesRead } = await tree.read(span, 0, span.length, nodeOffset(2 * first))
  const leaves: TreeNode[] = []
  for (let i = 0; i < count; i++) {
    const at = 2 * i * NODE_BYTES
    const size = at + NODE_BYTES <= bytesRead ? decodeNodeSize(span.subarray(at, at + NODE_BYTES)) : null
    if (size === null) throw corrupt(`the tree holds no node for block ${first + i}`)
    leaves.push({ index: 2 * (first + i), hash: span.subarray(at, at + NODE_HASH_BYTES), size })
  }
  return leaves
}

async function readRange (data: fs.promises.FileHandle | null | undefined, offset: number, size: number, first: number, corrupt: (what: string) => Error): Promise<Buffer> {
  const bytes = Buffer.alloc(size)
  if (size === 0) return bytes
  if (data === null || data === undefined) throw corrupt('it has no data file')
  let read = 0
  while (read < size) {
    const { bytesRead } = await data.read(bytes, read, size - read, offset + read)
    if (bytesRead === 0) throw corrupt(`the data file ends inside block ${first} or the blocks after it (${offset + read} bytes)`)
    read += bytesRead
  }
  return bytes
}

function leafHash (block: Buffer): Buffer {
  const out = Buffer.alloc(32)
  sodium.crypto_generichash_batch(out, [LEAF_TYPE, uint64be(block.length), block])
  return out
}

function parentHash (left: TreeNode, right: TreeNode): Buffer {
  const out = Buffer.alloc(32)
  sodium.crypto_generichash_batch(out, [PARENT_TYPE, uint64be(left.size + right.size), left.hash, right.hash])
  return out
}

function verifiesRoots (roots: TreeNode[], length: number, signature: Buffer, publicKey: Buffer): boolean {
  const tree = Buffer.alloc(32)
  sodium.crypto_generichash_batch(tree, [ROOT_TYPE, ...roots.flatMap(root => [root.hash, uint64be(root.index), uint64be(root.size)])])
  if (sodium.crypto_sign_verify_detached(signature, Buffer.concat([tree, uint64be(length)]), publicKey)) return true
  return sodium.crypto_sign_verify_detached(signature, tree, publicKey)
}

/** A signature slot hypercore@9 never wrote. */
function isBlank (signature: Buffer): boolean {
  return signature.every(byte => byte === 0)
}

function uint64be (n: number): Buffer {
  const out = Buffer.alloc(8)
  out.writeUInt32BE(Math.floor(n / 0x100000000), 0)
  out.writeUInt32BE(n >>> 0, 4)
  return out
}

/**
 * The longest length up to `upTo` whose last block has a stored signature (0 when none): a prefix of
 * a core can be copied only up to a length its owner signed, and hypercore@9 signs once per append.
 */
export async function lastSignedLength (folder: string, upTo: number): Promise<number> {
  if (upTo === 0) return 0
  const handle = await openFileNoAtime(path.join(folder, 'signatures'))
  if (handle === null) return 0
  try {
    const CHUNK = 1024
    for (let end = upTo; end > 0; end -= CHUNK) {
      const start = Math.max(0, end - CHUNK)
      const bytes = Buffer.alloc((end - start) * SIGNATURE_BYTES)
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, HEADER_BYTES + SIGNATURE_BYTES * start)
      for (let i = Math.floor(bytesRead / SIGNATURE_BYTES) - 1; i >= 0; i--) {
        if (!isBlank(bytes.subarray(i * SIGNATURE_BYTES, (i + 1) * SIGNATURE_BYTES))) return start + i + 1
      }
    }
    return 0
  } finally {
    await handle.close()
  }
}

/** The first of blocks 0 to `length - 1` that the bitfield says is not stored; null when every one is. */
export async function firstMissingBlock (folder: string, length: number): Promise<number | null> {
  if (length === 0) return null
  const handle = await openFileNoAtime(path.join(folder, 'bitfield'))
  if (handle === null) return 0
  try {
    const header = Buffer.alloc(HEADER_BYTES)
    await handle.read(header, 0, HEADER_BYTES, 0)
    const pageBytes = header.readUInt16BE(5) === 0 ? BITFIELD_PAGE_BYTES : header.readUInt16BE(5)
    const page = Buffer.alloc(DATA_BITS_PER_PAGE / 8)
    for (let first = 0; first < length; first += DATA_BITS_PER_PAGE) {
      page.fill(0)
      await handle.read(page, 0, page.length, HEADER_BYTES + pageBytes * (first / DATA_BITS_PER_PAGE))
      const end = Math.min(DATA_BITS_PER_PAGE, length - first)
      for (let i = 0; i < end; i++) {
        // hypercore's bit order: the highest bit of a byte is its first block.
        if (((page[i >> 3] as number) & (128 >> (i & 7))) === 0) return first + i
      }
    }
    return null
  } finally {
    await handle.close()
  }
}

import test from 'node:test'
import assert from 'node:assert/strict'
import fs = require('fs')
import path = require('path')
import ram = require('random-access-memory')
import type RandomAccessStorage = require('random-access-storage')
import Corestore = require('../lib')
import { nodeRuns } from '../lib/hypercore9/block-writes'
import { encodeNodes } from '../lib/storage/hypercore-files'
import type { TreeNode } from '../lib/storage/hypercore-files'
import { CORESTORE_5, blocks as storedBlocks, ready as feedReady } from './helpers/interop'
import { FaultyFolder } from './helpers/faulty-storage'
import { MASTER_KEY, replicateStores, tmpdir } from './helpers/store'

// hypercore@9's own storage, to compare the bytes it would have written.
const HypercoreStorage = require('hypercore/lib/storage') as new (create: (name: string) => RandomAccessStorage, opts: object) => {
  tree: RandomAccessStorage
  putNode (index: number, node: TreeNode, cb: (err: Error | null) => void): void
}

/** The hypercore@9 internals a test looks at. */
interface Internals {
  _storage: {
    tree: RandomAccessStorage
    treeCache: { get (index: number): TreeNode | null | undefined } | null
  }
}

const node = (index: number, fill = index, size = index + 1): TreeNode => ({ index, hash: Buffer.alloc(32, fill), size })
const indexes = (runs: TreeNode[][]): number[][] => runs.map(run => run.map(n => n.index))

test('nodeRuns sorts the nodes and cuts them where indexes are not adjacent; a repeated index starts a new run', () => {
  assert.deepEqual(indexes(nodeRuns([])), [])
  assert.deepEqual(indexes(nodeRuns([node(5)])), [[5]])
  assert.deepEqual(indexes(nodeRuns([node(2), node(0), node(1), node(5), node(11), node(6)])), [[0, 1, 2], [5, 6], [11]])
  assert.deepEqual(indexes(nodeRuns([node(3), node(4), node(4)])), [[3, 4], [4]])
})

test('nodeRuns fills a gap of up to 2 nodes with stored ones, and only when every one of them is stored', () => {
  const stored = new Map([3, 4, 9, 10, 11].map(i => [i, node(i)]))
  const lookup = (index: number): TreeNode | undefined => stored.get(index)
  // 3 and 4 are stored: 2, 5 go out as one write with them. 8 | 12 is a gap of 3: two writes.
  assert.deepEqual(indexes(nodeRuns([node(2), node(5), node(8), node(12)], lookup)), [[2, 3, 4, 5], [8], [12]])
  // 6 is not stored: 5 and 7 stay apart.
  assert.deepEqual(indexes(nodeRuns([node(5), node(7)], lookup)), [[5], [7]])
  // A lookup that answers null (hypercore-cache's "not here") fills nothing: never a hole written over a node.
  assert.deepEqual(indexes(nodeRuns([node(5), node(7)], () => null)), [[5], [7]])
  // Without a lookup nothing is filled.
  assert.deepEqual(indexes(nodeRuns([node(2), node(5)])), [[2], [5]])
})

test('encodeNodes gives the bytes hypercore@9 writes for each node, and zeros for a hole', async () => {
  const file = ram()
  const storage = new HypercoreStorage(() => file, {})
  storage.tree = file
  const nodes = [node(4, 0xab, 1024), node(5, 0x01, 2 ** 32 + 7), node(6, 0xfe, 2 ** 53 - 1)]
  for (const n of nodes) await new Promise<void>((resolve, reject) => storage.putNode(n.index, n, err => err ? reject(err) : resolve()))
  const written = await new Promise<Buffer>((resolve, reject) => file.read(32 + 40 * 4, 40 * 3, (err, data) => err ? reject(err) : resolve(data as Buffer)))
  assert.deepEqual(encodeNodes(nodes), written)
  const withHole = encodeNodes([nodes[0], undefined, nodes[2]])
  assert.deepEqual(withHole.subarray(40, 80), Buffer.alloc(40))
  assert.deepEqual(withHole.subarray(80), written.subarray(80))
})

test('a replica remembers the tree nodes it writes: downloading 64 blocks reads none of them back, and its tree file is byte for byte the source\'s', { timeout: 120_000 }, async t => {
  const files = new Map<string, RandomAccessStorage>()
  const memory = (prefix: string) => (name: string): RandomAccessStorage => {
    const file = ram()
    files.set(`${prefix}/${name}`, file)
    return file
  }
  const source = new Corestore(memory('source'), { masterKey: MASTER_KEY })
  const replica = new Corestore(memory('replica'))
  t.after(async () => { await source.close(); await replica.close() })
  const core = source.get({ name: 'blocks' })
  const BLOCKS = 64
  for (let i = 0; i < BLOCKS; i += 8) await core.append(Array.from({ length: 8 }, (_, j) => `block ${i + j}`))
  const copy = replica.get({ key: core.key as Buffer })
  await copy.ready()
  const tree = (copy as unknown as Internals)._storage.tree
  const read = tree.read
  let treeReads = 0
  tree.read = function (...args: Parameters<RandomAccessStorage['read']>) {
    treeReads++
    return read.apply(this, args)
  }
  replicateStores(source, replica)
  await copy.download({ start: 0, end: BLOCKS })
  assert.equal(copy.downloaded(0, BLOCKS), BLOCKS)
  assert.equal(treeReads, 0, 'every node the replica verified against was one it had written')

  const hex = (core.discoveryKey as Buffer).toString('hex')
  const treeOf = (prefix: string): Promise<Buffer> => {
    const name = [...files.keys()].find(n => n.startsWith(prefix) && n.includes(hex) && n.endsWith('/tree')) as string
    const file = files.get(name) as RandomAccessStorage
    return new Promise((resolve, reject) => file.read(0, 32 + 40 * (2 * BLOCKS - 1), (err, data) => err ? reject(err) : resolve(data as Buffer)))
  }
  assert.deepEqual(await treeOf('replica'), await treeOf('source'))
  assert.deepEqual(await copy.audit(), { valid: BLOCKS, invalid: 0 })
})

test('corestore@5 opens and reads a folder whose blocks this package downloaded', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const source = new Corestore(ram, { masterKey: MASTER_KEY })
  const replica = new Corestore(path.join(dir, 'replica'))
  const core = source.get({ name: 'blocks' })
  const BLOCKS = 40
  for (let i = 0; i < BLOCKS; i++) await core.append(`block ${i}`)
  const copy = replica.get({ key: core.key as Buffer })
  await copy.ready()
  const { a } = replicateStores(source, replica)
  await copy.download({ start: 0, end: BLOCKS })
  a.destroy()
  await replica.close()
  await source.close()

  const old = CORESTORE_5.create(path.join(dir, 'replica'))
  await old.ready()
  const feed = old.get({ key: core.key as Buffer })
  await feedReady(feed)
  assert.equal(feed.length, BLOCKS)
  assert.deepEqual(await storedBlocks(feed), Array.from({ length: BLOCKS }, (_, i) => `block ${i}`))
  const audit = await new Promise<{ valid: number, invalid: number }>((resolve, reject) => {
    (feed as unknown as { audit (cb: (err: Error | null, report: { valid: number, invalid: number }) => void): void }).audit((err, report) => err ? reject(err) : resolve(report))
  })
  assert.deepEqual(audit, { valid: BLOCKS, invalid: 0 })
  await new Promise<void>(resolve => old.close(() => resolve()))
})

test('a node is remembered once its write succeeded, from a copy of its bytes; a failed write is not remembered', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const folder = new FaultyFolder(dir)
  const store = new Corestore(folder.storage)
  t.after(() => store.close())
  const copy = store.get({ key: Buffer.alloc(32, 1) })
  await copy.ready()
  const storage = (copy as unknown as Internals)._storage as Internals['_storage'] & {
    putNodeBatch (index: number, nodes: TreeNode[], cb: (err: Error | null) => void): void
  }
  const put = (nodes: TreeNode[]): Promise<Error | null> => new Promise(resolve => storage.putNodeBatch(nodes[0]?.index ?? 0, nodes, resolve))
  const cache = storage.treeCache
  assert.ok(cache !== null)

  folder.fail('tree', 'write', 1)
  const failed = await put([node(0), node(1)])
  assert.equal((failed as NodeJS.ErrnoException | null)?.code, 'EIO')
  // hypercore-cache answers null for what it does not hold.
  assert.equal(cache.get(0) ?? null, null)
  assert.equal(cache.get(1) ?? null, null)

  // The hash handed in points into a larger buffer (as a peer's message does): the cache keeps a copy.
  const message = Buffer.alloc(4096, 0x5a)
  const hash = message.subarray(100, 132)
  assert.equal(await put([{ index: 2, hash, size: 77 }]), null)
  const remembered = cache.get(2)
  assert.ok(remembered !== undefined && remembered !== null)
  assert.deepEqual(remembered.hash, hash)
  assert.equal(remembered.size, 77)
  assert.notEqual(remembered.hash.buffer, message.buffer, 'not a slice of the message')
  const onDisk = fs.readFileSync(path.join(dir, (copy.discoveryKey as Buffer).toString('hex').slice(0, 2), (copy.discoveryKey as Buffer).toString('hex').slice(2, 4), (copy.discoveryKey as Buffer).toString('hex'), 'tree'))
  assert.deepEqual(onDisk.subarray(32 + 80, 32 + 120), encodeNodes([{ index: 2, hash, size: 77 }]))
})

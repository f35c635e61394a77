// A Hyperdrive v10 drive on a corestore@5.8.2 folder, converted to the Hyperbee hyperdrive@13 opens
// by the old drive key on Corestore 7: every file, symlink and stat carries over, the drive stays
// writable, replicates to a store that knows only its key, and the conversion is resumable.
import test from 'node:test'
import assert from 'node:assert/strict'
import crypto = require('crypto')
import path = require('path')
import type { Duplex } from 'stream'
import { readV10Drive, writeV13Drive, type ExportStack, type Store7, type V10Feed, type V10Drive } from '../lib/export/drives'
import { tmpdir, connect, rejection } from './helpers/store'

type Cb<T = void> = (err: Error | null, value?: T) => void
interface Feed5 extends V10Feed { secretKey: Buffer | null, close (cb: Cb): void }
interface Store5 { ready (cb: Cb): void, close (cb: Cb): void, get (opts: { key: Buffer }): Feed5 }
interface Drive10 {
  key: Buffer
  metadata: Feed5
  ready (cb: Cb): void
  close (cb: Cb): void
  writeFile (name: string, data: Buffer | string, opts: Record<string, unknown>, cb: Cb): void
  unlink (name: string, cb: Cb): void
  mkdir (name: string, cb: Cb): void
  symlink (target: string, name: string, cb: Cb): void
  mount (name: string, key: Buffer, cb: Cb): void
  tags: { create (name: string, cb: Cb): void }
}
interface Core7 {
  key: Buffer
  length: number
  ready (): Promise<void>
  close (): Promise<void>
  append (blocks: Buffer[]): Promise<unknown>
}
interface Corestore7 extends Store7 {
  get (opts: { key: Buffer, keyPair?: { publicKey: Buffer, secretKey: Buffer } }): Core7 & { writable: boolean }
  replicate (isInitiator: boolean): Duplex
  close (): Promise<void>
}
interface Entry13 { key: string, value: { executable: boolean, linkname: string | null, blob: { byteLength: number, blockLength: number } | null, metadata: unknown } }
interface Drive13 {
  key: Buffer
  writable: boolean
  core: { length: number, update (opts?: Record<string, unknown>): Promise<boolean> }
  ready (): Promise<void>
  close (): Promise<void>
  get (name: string): Promise<Buffer | null>
  put (name: string, data: Buffer): Promise<void>
  entry (name: string, opts?: Record<string, unknown>): Promise<Entry13 | null>
  createReadStream (name: string, opts: { start: number, end: number }): AsyncIterable<Buffer>
  entries (): AsyncIterable<Entry13>
}

const Corestore5 = require('corestore5') as new (storage: string) => Store5
const Hyperdrive10 = require('hyperdrive') as new (store: Store5, key?: Buffer | null, opts?: Record<string, unknown>) => Drive10
const Hyperdrive13 = require('hyperdrive13') as new (store: Corestore7, key: Buffer) => Drive13
const exportStack = require('corestore-ts-export') as ExportStack & { Corestore: new (storage: string) => Corestore7 }

function call<T = void> (fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value as T)))
}

async function collect (stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const part of stream) parts.push(part)
  return Buffer.concat(parts)
}

/** Copies every block of a corestore@5 core into a Corestore 7 compat core with the same key pair. */
async function copyCore (from: Feed5, to: Corestore7): Promise<void> {
  assert.ok(from.key !== null && from.secretKey !== null)
  const core = to.get({ key: from.key, keyPair: { publicKey: from.key, secretKey: from.secretKey } })
  await core.ready()
  assert.ok(core.key.equals(from.key), 'the compat core has the old key')
  for (let i = core.length; i < from.length; i += 64) {
    const blocks: Buffer[] = []
    for (let j = i; j < Math.min(from.length, i + 64); j++) {
      blocks.push(await call<Buffer>(cb => from.get(j, { valueEncoding: 'binary' }, cb)))
    }
    await core.append(blocks)
  }
  await core.close()
}

test('a Hyperdrive v10 drive converts to a Hyperdrive 13 drive opened, written and replicated by its old key', { timeout: 120_000 }, async t => {
  const v5 = await tmpdir('corestore-ts-drives-v5-')
  const a = await tmpdir('corestore-ts-drives-a-')
  const b = await tmpdir('corestore-ts-drives-b-')
  t.after(async () => { await Promise.all([v5.cleanup(), a.cleanup(), b.cleanup()]) })

  // The v10 drive, and what each path should read as after the conversion.
  const store5 = new Corestore5(v5.dir)
  await call(cb => store5.ready(cb))
  const drive10 = new Hyperdrive10(store5)
  await call(cb => drive10.ready(cb))
  const files = new Map<string, Buffer>([
    ['/hello.txt', Buffer.from('hello world')],
    ['/a/b/c.txt', Buffer.from('deep')],
    ['/a/d.txt', Buffer.from('shallow')],
    ['/bin/run.sh', Buffer.from('#!/bin/sh\necho hi\n')],
    ['/empty', Buffer.alloc(0)],
    ['/big.bin', crypto.randomBytes(5 * 1024 * 1024)]
  ])
  for (const [name, data] of files) {
    await call(cb => drive10.writeFile(name, data, name === '/bin/run.sh' ? { mode: 0o755 } : {}, cb))
  }
  for (const version of ['one', 'two', 'three']) await call(cb => drive10.writeFile('/over.txt', version, {}, cb))
  files.set('/over.txt', Buffer.from('three'))
  await call(cb => drive10.writeFile('/meta.txt', 'm', { metadata: { text: Buffer.from('yes'), raw: Buffer.from([0xff, 0x00]) } }, cb))
  files.set('/meta.txt', Buffer.from('m'))
  await call(cb => drive10.writeFile('/gone.txt', 'deleted', {}, cb))
  await call(cb => drive10.unlink('/gone.txt', cb))
  await call(cb => drive10.mkdir('/emptydir', cb))
  await call(cb => drive10.symlink('/hello.txt', '/link', cb))
  const other = new Hyperdrive10(store5, null, { namespace: 'other' })
  await call(cb => other.ready(cb))
  await call(cb => other.writeFile('/inside.txt', 'not carried over', {}, cb))
  await call(cb => drive10.mount('/mnt', other.key, cb))
  await call(cb => drive10.tags.create('v1', cb))

  // Reading it.
  const feed = drive10.metadata
  const drive = await readV10Drive(exportStack, feed) as V10Drive
  assert.ok(drive !== null, 'a v10 drive is recognised')
  assert.ok(drive.metadataKey.equals(drive10.key))
  assert.equal(drive.history, feed.length)
  assert.deepEqual(drive.entries.map(e => e.path).sort(), [...files.keys(), '/link'].sort())
  assert.deepEqual(drive.skipped, [{ path: '/mnt', why: 'mount' }, { path: 'hyperdrive-tags/v1', why: 'hidden' }])
  assert.equal(drive.directories, 1, 'the empty directory is counted and dropped')
  const run = drive.entries.find(e => e.path === '/bin/run.sh')
  assert.equal(run?.executable, true, 'mode 0o755 makes an executable')
  assert.equal(drive.entries.find(e => e.path === '/hello.txt')?.executable, false)
  assert.deepEqual(drive.entries.find(e => e.path === '/meta.txt')?.metadata, { text: 'yes', raw: { type: 'Buffer', data: [0xff, 0] } })
  assert.equal(await readV10Drive(exportStack, store5.get({ key: drive.contentKey })), null, 'the content core is no drive')
  assert.equal(feed.length, drive.history, 'reading wrote nothing')

  // The content core, copied as the rest of the export does; the drive's metadata as a Hyperbee.
  const content5 = store5.get({ key: drive.contentKey })
  await call(cb => content5.ready(cb))
  let store7 = new exportStack.Corestore(a.dir)
  await copyCore(content5, store7)
  assert.ok(feed.secretKey !== null)
  const keyPair = { publicKey: drive10.key, secretKey: feed.secretKey }
  const wrong = { publicKey: drive.contentKey, secretKey: content5.secretKey as Buffer }
  assert.equal((await rejection(writeV13Drive(exportStack, store7, wrong, drive))).code, 'KEY_MISMATCH')
  // A conversion cut short after its first batches (here: one of a drive's first four entries) resumes.
  const partial = await writeV13Drive(exportStack, store7, keyPair, { ...drive, entries: drive.entries.slice(0, 4) }, { batchSize: 3 })
  assert.equal(partial.written, 4)
  const first = await writeV13Drive(exportStack, store7, keyPair, drive, { batchSize: 3 })
  assert.deepEqual({ files: first.files, written: first.written, alreadyDone: first.alreadyDone }, { files: files.size + 1, written: files.size + 1 - 4, alreadyDone: false })
  const second = await writeV13Drive(exportStack, store7, keyPair, drive)
  assert.deepEqual({ written: second.written, alreadyDone: second.alreadyDone }, { written: 0, alreadyDone: true })
  const altered: V10Drive = { ...drive, entries: drive.entries.map(e => e.path === '/hello.txt' ? { ...e, executable: true } : e) }
  assert.equal((await rejection(writeV13Drive(exportStack, store7, keyPair, altered))).code, 'EXPORT_CONFLICT')
  await store7.close()
  await call(cb => other.close(cb))
  await call(cb => drive10.close(cb))
  await call(cb => store5.close(cb))

  // Hyperdrive 13 on the reopened store.
  store7 = new exportStack.Corestore(a.dir)
  const drive13 = new Hyperdrive13(store7, keyPair.publicKey)
  await drive13.ready()
  for (const [name, data] of files) {
    const got = await drive13.get(name)
    assert.ok(got !== null && got.equals(data), `${name} reads byte-equal`)
    const entry = await drive13.entry(name)
    assert.equal(entry?.value.blob?.byteLength, data.length, `${name}'s byte length`)
    assert.equal(entry?.value.linkname, null)
    assert.equal(entry?.value.executable, name === '/bin/run.sh', `${name}'s executable bit`)
  }
  assert.equal((await drive13.get('/over.txt'))?.toString(), 'three', 'the last of three writes')
  assert.equal(await drive13.entry('/gone.txt'), null, 'a deleted file stays deleted')
  assert.equal(await drive13.entry('/mnt'), null, 'the mount is not carried over')
  const link = await drive13.entry('/link')
  assert.deepEqual(link?.value, { executable: false, linkname: '/hello.txt', blob: null, metadata: null })
  assert.equal((await drive13.entry('/link', { follow: true }))?.key, '/hello.txt')
  const big = files.get('/big.bin') as Buffer
  const start = 1_000_003
  const end = 3_500_007
  assert.ok((await collect(drive13.createReadStream('/big.bin', { start, end }))).equals(big.subarray(start, end + 1)), 'a byte range')
  assert.equal(drive13.writable, true)
  await drive13.put('/new.txt', Buffer.from('written by hyperdrive 13'))
  assert.equal((await drive13.get('/new.txt'))?.toString(), 'written by hyperdrive 13')
  files.set('/new.txt', Buffer.from('written by hyperdrive 13'))

  // A store that knows only the drive key replicates it.
  const reader7 = new exportStack.Corestore(b.dir)
  const s1 = store7.replicate(true)
  const s2 = reader7.replicate(false)
  const { ended } = connect(s1, s2)
  const reader = new Hyperdrive13(reader7, keyPair.publicKey)
  await reader.ready()
  await reader.core.update({ wait: true })
  for (const [name, data] of files) {
    const got = await reader.get(name)
    assert.ok(got !== null && got.equals(data), `${name} replicates byte-equal`)
  }
  assert.equal((await reader.entry('/link'))?.value.linkname, '/hello.txt')

  s1.destroy()
  await ended
  await reader.close()
  await drive13.close()
  await reader7.close()
  await store7.close()
  assert.equal(path.isAbsolute(a.dir), true)
})

test('a v10 drive without files converts to an empty Hyperdrive 13 drive that names the old content core', { timeout: 60_000 }, async t => {
  const v5 = await tmpdir('corestore-ts-drives-v5-')
  const a = await tmpdir('corestore-ts-drives-a-')
  t.after(async () => { await Promise.all([v5.cleanup(), a.cleanup()]) })
  const store5 = new Corestore5(v5.dir)
  await call(cb => store5.ready(cb))
  const drive10 = new Hyperdrive10(store5)
  await call(cb => drive10.ready(cb))
  await call(cb => drive10.mkdir('/only-a-folder', cb))
  const drive = await readV10Drive(exportStack, drive10.metadata)
  assert.ok(drive !== null)
  assert.deepEqual(drive.entries, [])
  const store7 = new exportStack.Corestore(a.dir)
  const content5 = store5.get({ key: drive.contentKey })
  await call(cb => content5.ready(cb))
  await copyCore(content5, store7)
  const keyPair = { publicKey: drive10.key, secretKey: drive10.metadata.secretKey as Buffer }
  assert.deepEqual(await writeV13Drive(exportStack, store7, keyPair, drive), { files: 0, written: 0, alreadyDone: false, skipped: [] })
  assert.equal((await writeV13Drive(exportStack, store7, keyPair, drive)).alreadyDone, true)
  await call(cb => drive10.close(cb))
  await call(cb => store5.close(cb))

  const drive13 = new Hyperdrive13(store7, keyPair.publicKey) as Drive13 & { contentKey: Buffer }
  await drive13.ready()
  await drive13.put('/first.txt', Buffer.from('first'))
  assert.ok(drive13.contentKey.equals(drive.contentKey), 'the old content core holds the new file')
  assert.equal((await drive13.get('/first.txt'))?.toString(), 'first')
  await drive13.close()
  await store7.close()
})

test('a core that is not a v10 drive reads as null', { timeout: 30_000 }, async t => {
  const v5 = await tmpdir('corestore-ts-drives-v5-')
  t.after(() => v5.cleanup())
  const store5 = new Corestore5(v5.dir) as Store5 & { default (): Feed5 & { append (data: Buffer, cb: Cb): void } }
  await call(cb => store5.ready(cb))
  const core = store5.default()
  await call(cb => core.ready(cb))
  assert.equal(await readV10Drive(exportStack, core), null, 'an empty core')
  await call(cb => core.append(Buffer.from('not a header'), cb))
  assert.equal(await readV10Drive(exportStack, core), null, 'raw data')
  assert.equal(core.length, 1, 'nothing was appended')
  await call(cb => store5.close(cb))
})

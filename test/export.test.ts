// The export to Corestore 7 (corestore@7.12.5, hypercore@11.39.5) of folders written by the real
// corestore@5.8.2: the same keys, writable, the same blocks, verifiable by a peer that knows only the
// keys; the source untouched; bad input refused with a code before anything is written.
import test from 'node:test'
import assert from 'node:assert/strict'
import childProcess = require('child_process')
import crypto = require('crypto')
import fs = require('fs')
import path = require('path')
import Corestore = require('../lib')
import { append, CORESTORE_5, crypto as hypercoreCrypto, ready, tmpDir } from './helpers/interop'
import type { Feed, Store } from './helpers/interop'

const TIMEOUT = { timeout: 120_000 }
const CLI = path.join(__dirname, '..', 'bin', 'corestore-ts.js')

interface Core7 {
  key: Buffer
  discoveryKey: Buffer
  length: number
  writable: boolean
  ready (): Promise<void>
  get (index: number): Promise<Buffer>
  append (block: Buffer): Promise<unknown>
  truncate (length: number): Promise<void>
  close (): Promise<void>
}
interface Store7 {
  ready (): Promise<void>
  get (opts: { key: Buffer }): Core7
  replicate (isInitiator: boolean): NodeJS.ReadWriteStream
  close (): Promise<void>
}
const { Corestore: Corestore7 } = require('corestore-ts-export') as { Corestore: new (dir: string) => Store7 }

const close = (store: Store): Promise<void> => new Promise((resolve, reject) => store.close(err => err ? reject(err) : resolve()))

/** A corestore@5.8.2 folder with named, namespaced, explicit-keyPair and replicated-only cores. */
async function sourceFolder (dir: string, blocksPerCore = 40, pad = 0): Promise<{ folder: string, writable: Map<string, string[]>, readOnly: Buffer[] }> {
  const folder = path.join(dir, 'source')
  const store = CORESTORE_5.create(folder)
  await store.ready()
  const writable = new Map<string, string[]>()
  const fill = async (feed: Feed, label: string, count: number): Promise<void> => {
    await ready(feed)
    const blocks = Array.from({ length: count }, (_, i) => `${label} block ${i} ${'x'.repeat(i % 7 + pad)}`)
    for (let i = 0; i < blocks.length; i += 10) await append(feed, ...blocks.slice(i, i + 10))
    writable.set((feed.key as Buffer).toString('hex'), blocks)
  }
  await fill(store.default(), 'default', blocksPerCore)
  await fill(store.get({ name: 'named-core' }), 'named', blocksPerCore)
  await fill(store.namespace('ns').default(), 'ns default', blocksPerCore)
  await fill(store.namespace('ns').get({ name: 'inner' }), 'ns inner', 3)
  await fill(store.get({ keyPair: hypercoreCrypto.keyPair() }), 'keypair', blocksPerCore)

  // A core another store writes, which this one only replicated.
  const other = CORESTORE_5.create(path.join(dir, 'other'))
  await other.ready()
  const theirs = other.default()
  await ready(theirs)
  await append(theirs, 'theirs 0', 'theirs 1')
  const copy = store.get({ key: theirs.key as Buffer })
  await ready(copy)
  const a = store.replicate(true, { live: false })
  const b = other.replicate(false, { live: false })
  a.pipe(b).pipe(a)
  await new Promise<void>((resolve, reject) => copy.get(1, { wait: true }, err => err ? reject(err) : resolve()))
  await close(other)
  await close(store)
  return { folder, writable, readOnly: [theirs.key as Buffer] }
}

/** Every file below `dir`: its bytes' digest, size and modification time. */
function snapshot (dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (sub: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = path.join(sub, entry.name)
      if (entry.isDirectory()) walk(rel)
      else {
        const file = path.join(dir, rel)
        const stat = fs.statSync(file)
        out.set(rel, `${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')} ${stat.size} ${stat.mtimeMs}`)
      }
    }
  }
  walk('')
  return out
}

async function expectCode (promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<Error> {
  try {
    await promise
  } catch (err) {
    assert.equal((err as { code?: string }).code, code, `expected ${code}, got ${String((err as Error).stack)}`)
    if (pattern !== undefined) assert.match((err as Error).message, pattern)
    return err as Error
  }
  throw new Error(`expected a rejection with ${code}`)
}

test('export: every writable core opens in Corestore 7 by its key, writable, same discovery key and blocks; read-only cores are reported; the source is unchanged', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, writable, readOnly } = await sourceFolder(dir)
  const before = snapshot(folder)
  const destination = path.join(dir, 'exported')
  const progress: Corestore.ExportProgress[] = []
  const report = await Corestore.exportStore(folder, destination, { onprogress: p => progress.push(p) })

  assert.deepEqual(snapshot(folder), before, 'the source folder is byte for byte (and mtime for mtime) as it was')
  assert.equal(report.resumed, false)
  assert.deepEqual(report.cores.map(core => core.key).sort(), [...writable.keys()].sort())
  assert.ok(report.cores.every(core => core.status === 'exported'))
  assert.deepEqual(report.readOnly.map(core => core.key), readOnly.map(key => key.toString('hex')))
  assert.equal(report.blocks, [...writable.values()].reduce((sum, blocks) => sum + blocks.length, 0))
  assert.ok(progress.some(p => p.phase === 'verify') && progress.some(p => p.phase === 'write'), 'progress reported for both phases')
  const lastWrite = progress.filter(p => p.phase === 'write').at(-1)
  assert.equal(lastWrite?.blocks, report.blocks)

  const store = new Corestore7(destination)
  try {
    await store.ready()
    for (const [keyHex, blocks] of writable) {
      const key = Buffer.from(keyHex, 'hex')
      const core = store.get({ key })
      await core.ready()
      assert.equal(core.key.toString('hex'), keyHex, 'the same key')
      assert.ok(core.discoveryKey.equals(hypercoreCrypto.discoveryKey(key)), 'the same discovery key')
      assert.equal(core.writable, true, 'writable: the owner signs again')
      assert.equal(core.length, blocks.length)
      for (let i = 0; i < blocks.length; i++) assert.equal((await core.get(i)).toString(), blocks[i])
      await core.close()
    }
    for (const key of readOnly) {
      const core = store.get({ key })
      await core.ready()
      assert.equal(core.length, 0, 'a read-only core is not exported')
      await core.close()
    }
  } finally {
    await store.close()
  }

  // A second run of the same export skips every core; a new block appended there survives it.
  const again = await Corestore.exportStore(folder, destination)
  assert.equal(again.resumed, true)
  assert.ok(again.cores.every(core => core.status === 'already-exported'), 'the second run writes nothing')
  assert.deepEqual(snapshot(folder), before)
})

test('export: a second Corestore 7 that knows only the keys downloads and verifies every block', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, writable } = await sourceFolder(dir, 300)
  const destination = path.join(dir, 'exported')
  await Corestore.exportStore(folder, destination)

  const seeder = new Corestore7(destination)
  const reader = new Corestore7(path.join(dir, 'reader'))
  try {
    await Promise.all([seeder.ready(), reader.ready()])
    const served: Core7[] = []
    for (const keyHex of writable.keys()) {
      const core = seeder.get({ key: Buffer.from(keyHex, 'hex') })
      await core.ready()
      served.push(core)
    }
    const a = seeder.replicate(true)
    const b = reader.replicate(false)
    a.pipe(b).pipe(a)
    for (const [keyHex, blocks] of writable) {
      const core = reader.get({ key: Buffer.from(keyHex, 'hex') })
      await core.ready()
      for (let i = 0; i < blocks.length; i++) assert.equal((await core.get(i)).toString(), blocks[i], `block ${i} of ${keyHex}`)
      assert.equal(core.writable, false)
      assert.equal(core.length, blocks.length)
    }
  } finally {
    await Promise.all([seeder.close(), reader.close()])
  }
})

test('export: a core with a cleared block is copied up to it, and the report says so', TIMEOUT, async () => {
  const dir = tmpDir()
  const folder = path.join(dir, 'source')
  const store = CORESTORE_5.create(folder)
  await store.ready()
  const feed = store.default()
  await ready(feed)
  await append(feed, ...Array.from({ length: 20 }, (_, i) => `block ${i}`))
  await new Promise<void>((resolve, reject) => (feed as unknown as { clear (start: number, end: number, cb: (err: Error | null) => void): void }).clear(12, 14, err => err ? reject(err) : resolve()))
  await close(store)

  const report = await Corestore.exportStore(folder, path.join(dir, 'exported'))
  assert.equal(report.partial.length, 1)
  assert.equal(report.partial[0]?.copiedBlocks, 12)
  assert.equal(report.partial[0]?.length, 20)
  assert.match(report.partial[0]?.why ?? '', /block 12 was never stored/)
  assert.equal(report.cores[0]?.blocks, 12)
})

test('export refuses bad input with a code and writes nothing', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder } = await sourceFolder(dir, 30)

  // Not a corestore@5 folder.
  const plain = path.join(dir, 'plain')
  fs.mkdirSync(plain)
  fs.writeFileSync(path.join(plain, 'notes.txt'), 'hello')
  await expectCode(Corestore.exportStore(plain, path.join(dir, 'out-1')), 'NOT_A_STORE')
  await expectCode(Corestore.exportStore(path.join(dir, 'missing'), path.join(dir, 'out-1')), 'STORE_FOLDER_NOT_FOUND')
  assert.equal(fs.existsSync(path.join(dir, 'out-1')), false)

  // The destination is another store, or another source's export, or a folder with other things.
  const other = CORESTORE_5.create(path.join(dir, 'other-store'))
  await other.ready()
  await close(other)
  await expectCode(Corestore.exportStore(folder, path.join(dir, 'other-store')), 'EXPORT_DESTINATION_IS_A_STORE')
  const seven = new Corestore7(path.join(dir, 'seven'))
  await seven.ready()
  await seven.close()
  await expectCode(Corestore.exportStore(folder, path.join(dir, 'seven')), 'EXPORT_DESTINATION_IS_A_STORE')
  await Corestore.exportStore(path.join(dir, 'other-store'), path.join(dir, 'other-export'))
  await expectCode(Corestore.exportStore(folder, path.join(dir, 'other-export')), 'EXPORT_DESTINATION_NOT_EMPTY', /another store/)
  await expectCode(Corestore.exportStore(folder, plain), 'EXPORT_DESTINATION_NOT_EMPTY')
  await expectCode(Corestore.exportStore(folder, path.join(folder, 'inside')), 'EXPORT_DESTINATION_NOT_EMPTY', /outside/)

  // A torn master_key.
  const torn = path.join(dir, 'torn')
  fs.cpSync(folder, torn, { recursive: true })
  fs.writeFileSync(path.join(torn, 'master_key'), fs.readFileSync(path.join(folder, 'master_key')).subarray(0, 13))
  await expectCode(Corestore.exportStore(torn, path.join(dir, 'out-2')), 'INVALID_MASTER_KEY')
  assert.equal(fs.existsSync(path.join(dir, 'out-2')), false)

  // A corrupt block: the export stops before writing anything, and names the block.
  const corrupt = path.join(dir, 'corrupt')
  fs.cpSync(folder, corrupt, { recursive: true })
  const store = CORESTORE_5.create(corrupt)
  await store.ready()
  const feed = store.get({ name: 'named-core' })
  await ready(feed)
  const dk = (feed.discoveryKey as Buffer).toString('hex')
  await close(store)
  const data = path.join(corrupt, dk.slice(0, 2), dk.slice(2, 4), dk, 'data')
  const bytes = fs.readFileSync(data)
  const at = bytes.indexOf('named block 7')
  bytes[at] = bytes[at] as number ^ 0xff
  fs.writeFileSync(data, bytes)
  await expectCode(Corestore.exportStore(corrupt, path.join(dir, 'out-3')), 'EXPORT_CORRUPT_CORE', /block 7 does not match/)
  assert.equal(fs.existsSync(path.join(dir, 'out-3')), false, 'nothing written')

  // A signature in the middle that does not verify (the block's data is fine).
  fs.writeFileSync(data, fs.readFileSync(path.join(folder, dk.slice(0, 2), dk.slice(2, 4), dk, 'data')))
  const signatures = path.join(corrupt, dk.slice(0, 2), dk.slice(2, 4), dk, 'signatures')
  const sigs = fs.readFileSync(signatures)
  sigs[32 + 64 * 5 + 10] = sigs[32 + 64 * 5 + 10] as number ^ 0x01
  fs.writeFileSync(signatures, sigs)
  await expectCode(Corestore.exportStore(corrupt, path.join(dir, 'out-4')), 'EXPORT_CORRUPT_CORE', /signature of block 5 does not verify/)
  assert.equal(fs.existsSync(path.join(dir, 'out-4')), false, 'nothing written')
})

test('export on a full disk stops with EXPORT_WRITE_FAILED, keeps what it finished, and a second run completes it', { ...TIMEOUT, skip: process.getuid?.() !== 0 ? 'needs root for a tmpfs in a mount namespace' : false }, async () => {
  const dir = tmpDir()
  const { folder, writable } = await sourceFolder(dir, 1000, 1000)
  const mount = path.join(dir, 'small-disk')
  fs.mkdirSync(mount)
  const verify = `
    const { Corestore } = require(${JSON.stringify(require.resolve('corestore-ts-export'))})
    const s = new Corestore(${JSON.stringify(path.join(mount, 'exported'))})
    ;(async () => {
      await s.ready()
      const out = {}
      for (const key of ${JSON.stringify([...writable.keys()])}) {
        const c = s.get({ key: Buffer.from(key, 'hex') }); await c.ready()
        out[key] = [c.length, c.writable, c.length > 0 ? (await c.get(c.length - 1)).toString() : null]
      }
      await s.close()
      console.log('RESULT ' + JSON.stringify(out))
    })()`
  fs.writeFileSync(path.join(dir, 'verify.js'), verify)
  // In a mount namespace of its own: a 1 MiB tmpfs fills, then grows to 64 MiB for the second run.
  const script = [
    `mount -t tmpfs -o size=1m tmpfs ${mount}`,
    `node ${CLI} export ${folder} ${mount}/exported; echo "FIRST $?"`,
    `mount -o remount,size=64m ${mount}`,
    `node ${CLI} export ${folder} ${mount}/exported --json > ${dir}/second.json; echo "SECOND $?"`,
    `node ${dir}/verify.js`
  ].join('\n')
  const run = childProcess.spawnSync('unshare', ['--mount', 'sh', '-c', script], { encoding: 'utf8', cwd: path.join(__dirname, '..', '..'), timeout: 100_000 })
  assert.match(run.stdout, /FIRST 1/, `the first run fails: ${run.stdout}\n${run.stderr}`)
  assert.match(run.stderr, /EXPORT_WRITE_FAILED|Writing the export to .* failed: .*run the export again to resume/, run.stderr)
  assert.match(run.stdout, /SECOND 0/, `the second run completes: ${run.stderr}`)
  const second = JSON.parse(fs.readFileSync(path.join(dir, 'second.json'), 'utf8')) as Corestore.ExportReport
  assert.equal(second.resumed, true)
  const result = JSON.parse(/RESULT (.*)/.exec(run.stdout)?.[1] ?? 'null') as Record<string, [number, boolean, string | null]>
  for (const [keyHex, blocks] of writable) {
    assert.deepEqual(result[keyHex], [blocks.length, true, blocks.at(-1)], `core ${keyHex} complete after the resume`)
  }
})

// Hyperdrive v10 (on corestore@5.8.2) and Hyperdrive 13 (on Corestore 7), as the drive tests use them.
type Cb<T = void> = (err: Error | null, value?: T) => void
interface Content { length: number, clear (start: number, end: number, cb: Cb): void }
interface Drive10 {
  key: Buffer
  ready (cb: Cb): void
  close (cb: Cb): void
  writeFile (name: string, data: Buffer | string, opts: Record<string, unknown>, cb: Cb): void
  symlink (target: string, name: string, cb: Cb): void
  getContent (cb: Cb<Content>): void
}
interface Drive13 {
  ready (): Promise<void>
  close (): Promise<void>
  get (name: string): Promise<Buffer | null>
  entry (name: string): Promise<{ value: { executable: boolean, linkname: string | null } } | null>
  core: { update (opts: Record<string, unknown>): Promise<boolean> }
}
const Hyperdrive10 = require('hyperdrive') as new (store: Store) => Drive10
const Hyperdrive13 = require('hyperdrive13') as new (store: Store7, key: Buffer) => Drive13
const call = <T = void>(fn: (cb: Cb<T>) => void): Promise<T> => new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value as T)))

/** A new corestore@5.8.2 folder under `dir` with an empty Hyperdrive v10 drive, both open. */
async function v10Drive (dir: string): Promise<{ folder: string, store: Store, drive: Drive10 }> {
  const folder = path.join(dir, 'source')
  const store = CORESTORE_5.create(folder)
  await store.ready()
  const drive = new Hyperdrive10(store)
  await call(cb => drive.ready(cb))
  return { folder, store, drive }
}

test('export --drives: Hyperdrive 13 reads a Hyperdrive v10 drive by its old key, and so does a peer that knows only the key', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, store, drive } = await v10Drive(dir)
  const files = new Map<string, Buffer>([
    ['/readme.md', Buffer.from('# hello')],
    ['/src/lib/deep.js', Buffer.from('module.exports = 1')],
    ['/bin/tool', Buffer.from('#!/bin/sh\n')],
    ['/empty', Buffer.alloc(0)],
    ['/large.bin', crypto.randomBytes(5 * 1024 * 1024)]
  ])
  for (const [name, data] of files) await call(cb => drive.writeFile(name, data, name === '/bin/tool' ? { mode: 0o755 } : {}, cb))
  for (const version of ['1', '2', '3']) await call(cb => drive.writeFile('/changing.txt', `version ${version}`, {}, cb))
  files.set('/changing.txt', Buffer.from('version 3'))
  await call(cb => drive.symlink('/readme.md', '/link', cb))
  const key = drive.key
  await call(cb => drive.close(cb))
  await close(store)

  const destination = path.join(dir, 'exported')
  const run = childProcess.spawnSync(process.execPath, [CLI, 'export', folder, destination, '--drives', '--json'], { encoding: 'utf8', timeout: 100_000 })
  assert.equal(run.status, 0, run.stderr)
  const report = JSON.parse(run.stdout) as Corestore.ExportReport
  assert.equal(report.drives.length, 1)
  assert.equal(report.drives[0]?.key, key.toString('hex'))
  assert.equal(report.drives[0]?.files, files.size + 1)
  assert.match(run.stderr, /verifying: .*writing: /s, 'progress on stderr')

  const seeder = new Corestore7(destination)
  const reader = new Corestore7(path.join(dir, 'reader'))
  try {
    const drive13 = new Hyperdrive13(seeder, key)
    await drive13.ready()
    for (const [name, data] of files) assert.ok((await drive13.get(name))?.equals(data), `${name} reads byte-equal`)
    assert.equal((await drive13.entry('/bin/tool'))?.value.executable, true)
    assert.equal((await drive13.entry('/link'))?.value.linkname, '/readme.md')

    const a = seeder.replicate(true)
    const b = reader.replicate(false)
    a.pipe(b).pipe(a)
    const remote = new Hyperdrive13(reader, key)
    await remote.ready()
    await remote.core.update({ wait: true })
    for (const [name, data] of files) assert.ok((await remote.get(name))?.equals(data), `${name} replicates byte-equal`)
    await remote.close()
    await drive13.close()
  } finally {
    await Promise.all([seeder.close(), reader.close()])
  }
})

test('the export and its stack load only when exportStore is called', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder } = await sourceFolder(dir, 5)
  const script = `
    const Corestore = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib'))})
    const loaded = () => Object.keys(require.cache).filter(f => /[/]lib[/]export[/]|corestore-ts-export|rocksdb-native|hyperbee/.test(f)).length
    const store = new Corestore(${JSON.stringify(path.join(dir, 'used'))})
    const core = store.get({ name: 'a' })
    core.ready().then(() => core.append('x')).then(() => store.close()).then(() => {
      const before = loaded()
      return Corestore.exportStore(${JSON.stringify(folder)}, ${JSON.stringify(path.join(dir, 'exported'))}).then(() => console.log(JSON.stringify([before, loaded()])))
    })
  `
  const run = childProcess.spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 100_000 })
  assert.equal(run.status, 0, run.stderr)
  const [before, after] = JSON.parse(run.stdout) as [number, number]
  assert.equal(before, 0, 'a store that never exports loads none of it')
  assert.ok(after >= 5, `the export, Corestore 7 and RocksDB loaded afterwards (${after} files)`)
})

test('export reads a folder that a running corestore-ts store in another process holds, and says so', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, writable } = await sourceFolder(dir, 20)
  const holder = childProcess.spawn(process.execPath, ['-e', `
    const Corestore = require(${JSON.stringify(path.resolve(__dirname, '..', 'lib'))})
    const store = new Corestore(${JSON.stringify(folder)})
    store.ready().then(() => { console.log('held'); process.stdin.on('end', () => store.close()); process.stdin.resume() })
  `], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('held')) resolve() })
      holder.once('exit', code => reject(new Error(`the holder exited with ${String(code)}`)))
    })
    const before = snapshot(folder)
    const report = await Corestore.exportStore(folder, path.join(dir, 'exported'))
    assert.equal(report.sourceInUse, true, 'the report says a store held the folder')
    assert.equal(report.cores.length, writable.size)
    assert.deepEqual(snapshot(folder), before, 'nothing changed under the running store')
  } finally {
    const exited = new Promise(resolve => holder.once('exit', resolve))
    holder.stdin.end()
    await exited
  }
})

test('export checks what the new store holds: a core changed there since the last run is a conflict, not skipped', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, writable } = await sourceFolder(dir, 30)
  const destination = path.join(dir, 'exported')
  await Corestore.exportStore(folder, destination)
  const [keyHex, blocks] = [...writable][0] as [string, string[]]

  // The same length, other blocks: rewritten with the owner's key pair in the new store.
  const store = new Corestore7(destination)
  await store.ready()
  const core = store.get({ key: Buffer.from(keyHex, 'hex') })
  await core.ready()
  await core.truncate(blocks.length - 1)
  await core.append(Buffer.from('not the source block'))
  assert.equal(core.length, blocks.length)
  await core.close()
  await store.close()

  await expectCode(Corestore.exportStore(folder, destination), 'EXPORT_CONFLICT', new RegExp(keyHex))
})

test('export --drives: files whose content blocks were never stored are reported, the others read', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, store, drive } = await v10Drive(dir)
  await call(cb => drive.writeFile('/first.txt', 'first', {}, cb))
  await call(cb => drive.writeFile('/second.txt', 'second', {}, cb))
  await call(cb => drive.writeFile('/last.bin', crypto.randomBytes(1024 * 1024), {}, cb))
  const content = await call<Content>(cb => drive.getContent(cb))
  await call(cb => content.clear(content.length - 1, content.length, cb))
  const key = drive.key
  await call(cb => drive.close(cb))
  await close(store)

  const destination = path.join(dir, 'exported')
  const report = await Corestore.exportStore(folder, destination, { drives: true })
  assert.equal(report.drives.length, 1)
  assert.deepEqual(report.drives[0]?.skipped.map(entry => entry.path), ['/last.bin'])
  assert.match(report.drives[0]?.skipped[0]?.why ?? '', /never stored/)
  assert.equal(report.partial.length, 1, 'the content core is reported as copied in part')

  const seven = new Corestore7(destination)
  try {
    const drive13 = new Hyperdrive13(seven, key)
    await drive13.ready()
    assert.equal((await drive13.get('/first.txt'))?.toString(), 'first')
    assert.equal((await drive13.get('/second.txt'))?.toString(), 'second')
    assert.equal(await drive13.entry('/last.bin'), null, 'the file without its blocks is not in the new drive')
    await drive13.close()
  } finally {
    await seven.close()
  }
})

test('export finishes a core an earlier run left halfway, after checking the blocks it holds are the source\'s', TIMEOUT, async () => {
  const dir = tmpDir()
  const { folder, writable } = await sourceFolder(dir, 600)
  const destination = path.join(dir, 'exported')
  await Corestore.exportStore(folder, destination)
  const [keyHex, blocks] = [...writable][0] as [string, string[]]
  const key = Buffer.from(keyHex, 'hex')
  const cut = async (edit?: (core: Core7) => Promise<void>): Promise<void> => {
    const store = new Corestore7(destination)
    await store.ready()
    const core = store.get({ key })
    await core.ready()
    await core.truncate(300)
    if (edit !== undefined) await edit(core)
    await core.close()
    await store.close()
  }

  // Cut to 300 blocks: the next run checks those and appends the other 300.
  await cut()
  const resumed = await Corestore.exportStore(folder, destination)
  assert.equal(resumed.cores.find(core => core.key === keyHex)?.status, 'exported')
  const store = new Corestore7(destination)
  await store.ready()
  const core = store.get({ key })
  await core.ready()
  assert.equal(core.length, blocks.length)
  for (const i of [0, 299, 300, blocks.length - 1]) assert.equal((await core.get(i)).toString(), blocks[i])
  await core.close()
  await store.close()

  // Cut to 300 and the last of those rewritten: not the source's start, so a conflict.
  await cut(async core => {
    await core.truncate(299)
    await core.append(Buffer.from('not the source block'))
  })
  await expectCode(Corestore.exportStore(folder, destination), 'EXPORT_CONFLICT', /first 300 blocks are not the source's/)
})

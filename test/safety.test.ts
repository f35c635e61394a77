import test from 'node:test'
import assert from 'node:assert/strict'
import childProcess = require('child_process')
import fs = require('fs')
import path = require('path')
import ram = require('random-access-memory')
import Corestore = require('../lib')
import { MASTER_KEY, rejection, thrown, tmpdir } from './helpers/store'

const LIB = path.resolve(__dirname, '..', 'lib')

test('a root name cannot reach a namespaced core: names with a NUL byte are refused at the root', async t => {
  const store = new Corestore(ram, { masterKey: MASTER_KEY })
  t.after(() => store.close())
  const inner = store.namespace('a').get({ name: 'x' })
  await inner.ready()
  for (const name of ['a\0x', Buffer.from('a\0x'), 'a:b\0x', 'ü\0\0']) {
    assert.equal(thrown(() => store.get({ name })).code, 'INVALID_NAME', JSON.stringify(String(name)))
    assert.equal(thrown(() => store.createKeyPair(name)).code, 'INVALID_NAME')
  }
  // Names that no namespace can produce keep corestore@5's derivation.
  for (const name of ['\0x', 'x\0', Buffer.from([0xff, 0xfe, 0x00, 0x01])]) await store.get({ name }).ready()
  // In a namespace the name is qualified, so a NUL byte there cannot leave it.
  const nested = store.namespace('a').get({ name: 'y\0z' })
  await nested.ready()
  assert.notDeepEqual(nested.key, inner.key)
  assert.equal(store.namespace('a').get({ name: 'x' }), inner, 'the namespace still reaches its own core')
})

test('use after close: ready() rejects and replicate() throws with STORE_CLOSED; a stream handed in is destroyed', async () => {
  const store = new Corestore(ram)
  await store.ready()
  const ns = store.namespace('ns')
  await ns.close()
  assert.equal((await rejection(ns.ready())).code, 'STORE_CLOSED')
  assert.equal(thrown(() => ns.replicate(true)).code, 'STORE_CLOSED')
  await store.close()
  assert.equal((await rejection(store.ready())).code, 'STORE_CLOSED')
  const viaCallback = await new Promise<Error | null>(resolve => store.ready(err => resolve(err)))
  assert.equal((viaCallback as Error & { code?: string }).code, 'STORE_CLOSED')
  assert.equal(thrown(() => store.replicate(true)).code, 'STORE_CLOSED')
  assert.equal(thrown(() => store.get({ name: 'x' })).code, 'STORE_CLOSED')
  const other = new Corestore(ram)
  const given = other.replicate(false)
  given.on('error', () => {})
  const closed = new Promise(resolve => given.once('close', resolve))
  assert.equal(store.replicate(false, { stream: given }), given)
  await closed
  await other.close()
})

test('temporary master key files left by a killed first start are removed on the next open', async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  // A process id that cannot be running: above the kernel's pid_max.
  const stray = path.join(dir, 'master_key.4194305.0a1b2c3d.tmp')
  fs.writeFileSync(stray, Buffer.alloc(32, 1))
  // One whose process runs (ours, as if another store were creating its key) stays.
  const live = path.join(dir, `master_key.${process.pid}.0badc0de.tmp`)
  fs.writeFileSync(live, Buffer.alloc(32, 2))
  const store = new Corestore(dir)
  await store.ready()
  assert.equal(fs.existsSync(stray), false)
  assert.equal(fs.existsSync(live), true)
  assert.ok(fs.existsSync(path.join(dir, 'master_key')))
  await store.close()
})

test('kill -9 while appending loses no acknowledged block and no key (8 trials)', { timeout: 600_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const script = path.join(dir, 'writer.js')
  fs.writeFileSync(script, `
    const Corestore = require(${JSON.stringify(LIB)})
    const store = new Corestore(process.argv[2])
    const core = store.get({ name: 'log' })
    core.ready().then(async () => {
      for (let i = core.length; ; i++) {
        const at = await core.append('block-' + i)
        process.stdout.write(at + '\\n')
      }
    })
  `)
  let acknowledged = -1
  let key: Buffer | null = null
  for (let trial = 0; trial < 8; trial++) {
    const folder = path.join(dir, 'store')
    const child = childProcess.spawn(process.execPath, [script, folder], { stdio: ['ignore', 'pipe', 'inherit'] })
    const target = acknowledged + 5 + Math.floor(Math.random() * 40)
    let buffered = ''
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString()
        const lines = buffered.split('\n')
        buffered = lines.pop() ?? ''
        for (const line of lines) acknowledged = Math.max(acknowledged, Number(line))
        if (acknowledged >= target) resolve()
      })
      child.once('exit', code => reject(new Error(`the writer exited by itself (${String(code)})`)))
    })
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited

    const store = new Corestore(folder)
    const core = store.get({ name: 'log' })
    await core.ready()
    if (key === null) key = core.key
    assert.deepEqual(core.key, key, 'the same key after every crash')
    assert.equal(core.writable, true)
    assert.ok(core.length > acknowledged, `trial ${trial}: ${core.length} blocks on disk, ${acknowledged + 1} acknowledged`)
    assert.deepEqual(await core.audit(), { valid: core.length, invalid: 0 })
    for (const i of [0, acknowledged, core.length - 1]) assert.equal(String(await core.get(i)), `block-${i}`)
    await store.close()
  }
  t.diagnostic(`${acknowledged + 1} acknowledged blocks over 8 kills, all on disk`)
})

import test from 'node:test'
import assert from 'node:assert/strict'
import childProcess = require('child_process')
import path = require('path')
import { tmpdir } from './helpers/store'

const LIB = path.resolve(__dirname, '..', 'lib')
const RAM = require.resolve('random-access-memory')

/** A writer and a reader that asks for one stored core it knows and one core nobody has. */
const SCRIPT = `
  const Corestore = require(${JSON.stringify(LIB)})
  const ram = require(${JSON.stringify(RAM)})
  const dir = process.argv[1]
  ;(async () => {
    const writer = new Corestore(dir)
    const core = writer.get({ name: 'stored' })
    await core.append('block')
    const key = core.key
    await writer.close()

    const store = new Corestore(dir, { cacheSize: 0 })
    await store.ready()
    const reader = new Corestore(ram)
    const a = store.replicate(false, { live: true })
    const b = reader.replicate(true, { live: true })
    a.pipe(b).pipe(a)
    a.on('error', () => {})
    b.on('error', () => {})
    const copy = reader.get(key)
    await copy.get(0)
    const missing = reader.get(Buffer.alloc(32, 9))
    await missing.ready()
    await new Promise(resolve => setTimeout(resolve, 100))
    await reader.close()
    await store.close()
  })().catch(err => { console.error(err); process.exit(1) })
`

function run (dir: string, debug: string | undefined): Promise<{ code: number | null, stderr: string }> {
  const env = { ...process.env }
  delete env.NODE_TEST_CONTEXT
  if (debug === undefined) delete env.DEBUG
  else env.DEBUG = debug
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(process.execPath, ['-e', SCRIPT, dir], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', code => resolve({ code, stderr }))
  })
}

test('DEBUG=corestore-ts* shows the fixes applied at load, store open and close, passive loads for peers, channels closed for unknown keys and evictions', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const { code, stderr } = await run(dir, 'corestore-ts*')
  assert.equal(code, 0, stderr)
  for (const expected of [
    /corestore-ts:patches noise-protocol: every copy uses /,
    /corestore-ts:patches memory-pager: lazy pager for /,
    /corestore-ts:store open /,
    /corestore-ts:cores opened [0-9a-f]{12} \(active\)/,
    /corestore-ts:peers peer asked for [0-9a-f]{12}: loading it passively from storage/,
    /corestore-ts:cores opened [0-9a-f]{12} \(passive\)/,
    /corestore-ts:peers close channel [0-9a-f]{12}: no such core here/,
    /corestore-ts:cores evict [0-9a-f]{12}: passive and idle, over cacheSize 0/,
    /corestore-ts:store closed, /
  ]) assert.match(stderr, expected)
})

test('without DEBUG nothing is logged', { timeout: 120_000 }, async t => {
  const { dir, cleanup } = await tmpdir()
  t.after(cleanup)
  const { code, stderr } = await run(dir, undefined)
  assert.equal(code, 0, stderr)
  assert.equal(stderr, '')
})

import test from 'node:test'
import assert from 'node:assert/strict'
import ram = require('random-access-memory')
import Corestore = require('../lib')
import type { Core } from '../lib/core'
import { MAX_BLOCK_BYTES } from '../lib/core-checks'
import { MASTER_KEY } from './helpers/store'

type Outcome = Promise<unknown> | unknown

interface Fixture {
  store: Corestore
  core: Core
  /** A core of `store` opened by the public key of another store's core: readable, not writable. */
  foreign: Core
  /** A core of `store` opened with `writable: false`. */
  readOnly: Core
}

interface Case {
  name: string
  code: string
  /**
   * `promise`: the call returns a promise that must reject; `callback`: the call takes a callback that
   * must get the error; `throws`: a synchronous API (constructor, get, session...) that throws.
   */
  via: 'promise' | 'callback' | 'throws'
  run: (f: Fixture, cb: (err: Error | null) => void) => Outcome
}

const big = Buffer.alloc(MAX_BLOCK_BYTES + 1)
const json = { valueEncoding: 'json' as const }

const cases: Case[] = [
  // the store constructor and its synchronous methods
  { name: 'new Corestore(42)', code: 'INVALID_STORAGE', via: 'throws', run: () => new Corestore(42 as unknown as string) },
  { name: 'new Corestore(ram, "x")', code: 'INVALID_OPTIONS', via: 'throws', run: () => new Corestore(ram, 'x' as unknown as Corestore.Options) },
  { name: 'new Corestore(ram, { cacheSize: -1 })', code: 'INVALID_OPTIONS', via: 'throws', run: () => new Corestore(ram, { cacheSize: -1 }) },
  { name: 'new Corestore(ram, { valueEncoding: 42 })', code: 'INVALID_OPTIONS', via: 'throws', run: () => new Corestore(ram, { valueEncoding: 42 as never }) },
  { name: 'new Corestore(ram, { masterKey: 16 bytes })', code: 'INVALID_MASTER_KEY', via: 'throws', run: () => new Corestore(ram, { masterKey: Buffer.alloc(16) }) },
  { name: 'store.get({ valueEncoding: 42 })', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.get({ valueEncoding: 42 as never }) },
  { name: 'store.get({ valueEncoding: "utf-9" })', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.get({ name: 'x', valueEncoding: 'utf-9' as never }) },
  { name: 'store.get(42)', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.get(42 as unknown as string) },
  { name: 'store.get(31-byte key)', code: 'INVALID_KEY', via: 'throws', run: f => f.store.get(Buffer.alloc(31)) },
  { name: 'store.get({ name: empty Buffer })', code: 'INVALID_NAME', via: 'throws', run: f => f.store.get({ name: Buffer.alloc(0) }) },
  { name: 'store.default({ valueEncoding: {} })', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.default({ valueEncoding: {} as never }) },
  { name: 'store.namespace(42)', code: 'INVALID_NAME', via: 'throws', run: f => f.store.namespace(42 as unknown as string) },
  { name: 'store.session("x")', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.session('x' as unknown as Corestore.SessionOptions) },
  { name: 'store.session({ primaryKey: 3 bytes })', code: 'INVALID_MASTER_KEY', via: 'throws', run: f => f.store.session({ primaryKey: Buffer.alloc(3) }) },
  { name: 'store.replicate(true, "live")', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.replicate(true, 'live' as unknown as Corestore.ReplicationOptions) },
  { name: 'store.replicate(true, 1)', code: 'INVALID_OPTIONS', via: 'throws', run: f => f.store.replicate(true, 1 as unknown as Corestore.ReplicationOptions) },
  { name: 'store.replicate("x")', code: 'NO_INITIATOR', via: 'throws', run: f => f.store.replicate('x' as unknown as boolean) },

  // append
  { name: 'append(undefined)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.append(undefined) },
  { name: 'append(null)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.append(null) },
  { name: 'append(42)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.append(42) },
  { name: 'append({})', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.append({}) },
  { name: 'append(["ok", 42]) appends nothing', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.append(['ok', 42]) },
  { name: 'append(undefined, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.append(undefined, cb) },
  { name: 'append(8 MiB + 1)', code: 'BLOCK_TOO_LARGE', via: 'promise', run: f => f.core.append(big) },
  { name: 'append([small, 8 MiB + 1], cb)', code: 'BLOCK_TOO_LARGE', via: 'callback', run: (f, cb) => f.core.append([Buffer.from('a'), big], cb) },
  { name: 'append(a string of 8 MiB + 1 bytes)', code: 'BLOCK_TOO_LARGE', via: 'promise', run: f => f.core.append('x'.repeat(MAX_BLOCK_BYTES + 1)) },
  { name: 'append on a core opened by a foreign key', code: 'NOT_WRITABLE', via: 'promise', run: f => f.foreign.append('x') },
  { name: 'append on a foreign core, callback', code: 'NOT_WRITABLE', via: 'callback', run: (f, cb) => f.foreign.append('x', cb) },
  { name: 'append on a writable: false core', code: 'NOT_WRITABLE', via: 'promise', run: f => f.readOnly.append('x') },

  // get, getBatch, head
  { name: 'get(-1)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.get(-1) },
  { name: 'get(-1, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.get(-1, cb) },
  { name: 'get(1.5)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.get(1.5) },
  { name: 'get("x")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.get('x' as unknown as number) },
  { name: 'get(NaN)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.get(NaN) },
  { name: 'get(Infinity, {}, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.get(Infinity, {}, cb) },
  { name: 'get(0, "opts")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.get(0, 'opts' as unknown as object) },
  { name: 'get(0, { valueEncoding: 42 })', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.get(0, { valueEncoding: 42 as never }) },
  { name: 'getBatch(5, 2)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.getBatch(5, 2) },
  { name: 'getBatch(5, 2, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.getBatch(5, 2, cb) },
  { name: 'getBatch(-1, 2)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.getBatch(-1, 2) },
  { name: 'getBatch(0)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => (f.core.getBatch as (start: number) => Promise<unknown>)(0) },
  { name: 'head("x")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.head('x' as unknown as object) },

  // update, download, seek
  { name: 'update(-2)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.update(-2) },
  { name: 'update({ minLength: "x" })', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.update({ minLength: 'x' as never }) },
  { name: 'download({ start: 5, end: 2 })', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.download({ start: 5, end: 2 }) },
  { name: 'download({ start: -1 }, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.download({ start: -1 }, cb) },
  { name: 'download([0, -3])', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.download([0, -3]) },
  { name: 'download("x")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.download('x' as unknown as number) },
  { name: 'seek(-1)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.seek(-1) },
  { name: 'seek(-1, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.seek(-1, cb) },
  { name: 'seek("x")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.seek('x' as unknown as number) },

  // clear, truncate
  { name: 'clear("a")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.clear('a' as unknown as number) },
  { name: 'clear("a", cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.clear('a' as unknown as number, cb) },
  { name: 'clear(5, 2)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.clear(5, 2) },
  { name: 'clear(0, 1, "x")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.clear(0, 1, 'x' as unknown as object) },
  { name: 'truncate(-1)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.truncate(-1) },
  { name: 'truncate(-1, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.truncate(-1, cb) },
  { name: 'truncate(1.5)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.truncate(1.5) },
  { name: 'truncate(beyond the length)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.truncate(1000) },
  { name: 'truncate(undefined)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.truncate(undefined as unknown as number) },

  // signatures, proofs, the rest
  { name: 'signature(-1)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.signature(-1) },
  { name: 'verify(0, "sig")', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.verify(0, 'sig' as unknown as Buffer) },
  { name: 'verify(-1, Buffer, cb)', code: 'INVALID_ARGUMENT', via: 'callback', run: (f, cb) => f.core.verify(-1, Buffer.alloc(64), cb) },
  { name: 'rootHashes(-1)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.rootHashes(-1) },
  { name: 'proof(-1)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.proof(-1) },
  { name: 'proof(0, 7)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.proof(0, 7 as unknown as object) },
  { name: 'put(-1, data, proof)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.put(-1, Buffer.from('x'), {} as never) },
  { name: 'put(0, data, null)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.put(0, Buffer.from('x'), null as never) },
  { name: 'getBlockInfo(1.5)', code: 'INVALID_ARGUMENT', via: 'promise', run: f => f.core.getBlockInfo(1.5) }
]

/** What a call delivered: its error (or null on success), and whether it threw synchronously. */
async function outcome (c: Case, f: Fixture): Promise<{ err: (Error & { code?: string }) | null, threw: boolean }> {
  if (c.via === 'throws') {
    try {
      c.run(f, () => {})
    } catch (err) {
      return { err: err as Error, threw: true }
    }
    return { err: null, threw: false }
  }
  if (c.via === 'callback') {
    let calls = 0
    const delivered = new Promise<Error | null>(resolve => {
      try {
        c.run(f, err => {
          calls++
          resolve(err)
        })
      } catch (err) {
        assert.fail(`${c.name} threw out of a callback API: ${(err as Error).message}`)
      }
    })
    const err = await delivered
    assert.equal(calls, 1, 'the callback is called once')
    return { err, threw: false }
  }
  let returned: unknown
  try {
    returned = c.run(f, () => {})
  } catch (err) {
    assert.fail(`${c.name} threw instead of rejecting: ${(err as Error).message}`)
  }
  assert.equal(typeof (returned as { then?: unknown } | null)?.then, 'function', 'it returns a promise')
  try {
    await returned
  } catch (err) {
    return { err: err as Error, threw: false }
  }
  return { err: null, threw: false }
}

/**
 * Resolves with `promise`, or fails the test if it has not settled after a generous guard: a callback
 * that never comes is a bug this suite exists to catch. The guard is long, for a loaded machine.
 */
function within<T> (promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer))
}

test('every bad argument fails with a coded error through its own channel, and the core still works', async () => {
  assert.ok(cases.length >= 45, `${cases.length} cases`)
  const store = new Corestore(ram, { masterKey: MASTER_KEY })
  const other = new Corestore(ram)
  const otherCore = other.default()
  await otherCore.append('theirs')
  const core = store.get({ name: 'bad-input' })
  await core.append(['b0', 'b1'])
  const foreign = store.get(otherCore.key as Buffer)
  const readOnly = store.get({ name: 'read-only', writable: false })
  await Promise.all([foreign.ready(), readOnly.ready()])
  const f: Fixture = { store, core, foreign, readOnly }

  const uncaught: Error[] = []
  const onUncaught = (err: Error): void => { uncaught.push(err) }
  process.on('uncaughtException', onUncaught)
  process.on('unhandledRejection', onUncaught)
  try {
    for (const c of cases) {
      const before = core.length
      const { err, threw } = await within(outcome(c, f), c.name)
      assert.ok(err !== null, `${c.name}: expected ${c.code}, got success`)
      assert.equal(err.code, c.code, `${c.name}: ${err.message}`)
      assert.equal(threw, c.via === 'throws', `${c.name}: delivered through ${c.via}`)
      assert.ok(err.message.length > 0)
      // The core is unharmed: nothing was appended, and it appends and reads at the right index.
      assert.equal(core.length, before, `${c.name} changed the length`)
      const seq = await within(core.append(`after ${c.name}`), `append after ${c.name}`)
      assert.equal(seq, before)
      assert.equal((await within(core.get(seq), `get after ${c.name}`)).toString(), `after ${c.name}`)
      assert.equal((await core.get(0)).toString(), 'b0')
    }
    // The foreign core still reads, and the store still opens new cores.
    assert.equal((await foreign.ready(), foreign.length), 0)
    const fresh = store.get({ name: 'after the table' })
    await fresh.append('still fine')
    assert.equal((await fresh.get(0)).toString(), 'still fine')
  } finally {
    process.removeListener('uncaughtException', onUncaught)
    process.removeListener('unhandledRejection', onUncaught)
  }
  assert.deepEqual(uncaught, [], 'nothing was thrown asynchronously')
  await store.close()
  await other.close()
})

test('json and custom codecs take any value they encode, and refuse what they cannot', async () => {
  const store = new Corestore(ram)
  const core = store.get({ name: 'json', ...json })
  await core.append([{ a: 1 }, null, 3, 'text'])
  assert.deepEqual(await core.getBatch(0, 4), [{ a: 1 }, null, 3, 'text'])
  assert.equal((await rejectionOf(core.append(undefined))).code, 'INVALID_ARGUMENT')
  assert.equal((await rejectionOf(core.append(() => {}))).code, 'INVALID_ARGUMENT')
  assert.equal((await rejectionOf(core.append(10n))).code, 'INVALID_ARGUMENT')
  assert.equal((await rejectionOf(core.append({ big: 'x'.repeat(MAX_BLOCK_BYTES) }))).code, 'BLOCK_TOO_LARGE')

  const upper = { encode: (v: unknown) => Buffer.from(String(v).toUpperCase()), decode: (b: Buffer) => b.toString() }
  const custom = store.get({ name: 'custom', valueEncoding: upper })
  await custom.append(['abc', 12])
  assert.deepEqual(await custom.getBatch(0, 2), ['ABC', '12'])
  const failing = store.get({ name: 'failing', valueEncoding: { encode: () => { throw new Error('nope') }, decode: (b: Buffer) => b } })
  assert.equal((await rejectionOf(failing.append('x'))).code, 'INVALID_ARGUMENT')
  assert.equal(core.length, 4)
  await store.close()
})

test('a storage function that returns no storage fails with INVALID_STORAGE_RESULT', async () => {
  for (const result of [undefined, null, {}, 'file']) {
    const store = new Corestore(() => result as unknown as ReturnType<typeof ram>)
    const err = await rejectionOf(store.ready())
    assert.equal(err.code, 'INVALID_STORAGE_RESULT')
    assert.match(err.message, /master_key/)
    await store.close()
  }
  const byKey = new Corestore(() => undefined as unknown as ReturnType<typeof ram>, { masterKey: MASTER_KEY })
  const core = byKey.get(Buffer.alloc(32, 1))
  assert.equal((await rejectionOf(core.ready())).code, 'INVALID_STORAGE_RESULT')
  await byKey.close()
})

/** Every core method, called on a core that can no longer be used. */
const coreCalls: Array<[string, (core: Core) => Promise<unknown> | unknown]> = [
  ['ready', c => c.ready()],
  ['append', c => c.append('x')],
  ['get', c => c.get(0)],
  ['getBatch', c => c.getBatch(0, 1)],
  ['head', c => c.head()],
  ['update', c => c.update()],
  ['download', c => c.download({ start: 0, end: 1 })],
  ['seek', c => c.seek(0)],
  ['audit', c => c.audit()],
  ['clear', c => c.clear(0)],
  ['truncate', c => c.truncate(0)],
  ['signature', c => c.signature(0)],
  ['verify', c => c.verify(0, Buffer.alloc(64))],
  ['rootHashes', c => c.rootHashes(0)],
  ['proof', c => c.proof(0)],
  ['put', c => c.put(0, Buffer.from('x'), {} as never)],
  ['getBlockInfo', c => c.getBlockInfo(0)],
  ['flush', c => c.flush()],
  ['finalize', c => c.finalize()],
  ['destroyStorage', c => c.destroyStorage()]
]

test('every core method of a closed store fails with STORE_CLOSED', async () => {
  const store = new Corestore(ram)
  const core = store.default()
  await core.append('x')
  await store.close()
  for (const [name, call] of coreCalls) {
    const err = await within(rejectionOf(call(core) as Promise<unknown>), name)
    assert.equal(err.code, 'STORE_CLOSED', `${name}: ${err.message}`)
  }
  // And by callback.
  const viaCallback = await within(new Promise<Error | null>(resolve => core.get(0, (err: Error | null) => resolve(err))), 'get(0, cb)')
  assert.equal((viaCallback as { code?: string } | null)?.code, 'STORE_CLOSED')
  // The store's own calls throw STORE_CLOSED, as they did.
  assert.throws(() => store.get({ name: 'x' }), { code: 'STORE_CLOSED' })
  assert.throws(() => store.session(), { code: 'STORE_CLOSED' })
})

test('every method of a closed core fails with CORE_CLOSED while its store is open', async () => {
  const store = new Corestore(ram)
  const core = store.get({ name: 'closed' })
  await core.append('x')
  await core.close()
  for (const [name, call] of coreCalls) {
    const err = await within(rejectionOf(call(core) as Promise<unknown>), name)
    assert.equal(err.code, 'CORE_CLOSED', `${name}: ${err.message}`)
  }
  // The store opens the core again (in memory storage, a fresh one), and it works.
  const again = store.get({ name: 'closed' })
  assert.notEqual(again, core)
  await again.append('y')
  assert.equal((await again.get(again.length - 1)).toString(), 'y')
  await store.close()
})

async function rejectionOf (value: unknown): Promise<Error & { code?: string }> {
  try {
    await value
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

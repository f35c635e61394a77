import test from 'node:test'
import assert from 'node:assert/strict'
import { deriveKeyPair, discoveryKey } from '../../lib/keys'
import { childView, namedKeyPair, parseDefaultRequest, parseGetRequest, peekRequest, qualifiedName, rootView } from '../../lib/view'
import type { CoreRequest, View } from '../../lib/view'

// DESIGN.md's vectors: master key = 32 bytes of 0x07.
const MASTER_KEY = Buffer.alloc(32, 7)
const DEFAULT_PUBLIC_KEY = 'a0ceace51ea4c4e5c347f57f39f068c02be2fbb43832a98f22a2b9fbace15e9b'
const A_B_PUBLIC_KEY = '3fbad90c11a29a2f1986a214d0fdb1183f0026bd5b062bceae4958471a3e47e8'
/** namespace('a').get({ name: 'x' }): derived from the bytes 'a\0x'. */
const A_X_PUBLIC_KEY = '8f82af092e013d598b6fe0a9d1f19b08a3ab60a2cffd0fe18c7896a1a52eda3c'

const SESSION_KEY = Buffer.alloc(32, 9)
const PAIR = deriveKeyPair(Buffer.alloc(32, 1), Buffer.from('pair'))
const OTHER_PAIR = deriveKeyPair(Buffer.alloc(32, 1), Buffer.from('other'))

const root = (): View => rootView({})
const namespaced = (...names: string[]): View => names.reduce((view, namespace) => childView(view, { namespace }), root())

function hex (buf: Buffer | null): string | null {
  return buf === null ? null : buf.toString('hex')
}

/** The parts of a request that say which core it is, in hex. */
function identity (request: CoreRequest): { discoveryKey: string | null, publicKey: string | null, secretKey: string | null, name: string | null } {
  return { discoveryKey: hex(request.discoveryKey), publicKey: hex(request.publicKey), secretKey: hex(request.secretKey), name: hex(request.name) }
}

function byKey (publicKey: Buffer, secretKey: Buffer | null = null): ReturnType<typeof identity> {
  return { discoveryKey: hex(discoveryKey(publicKey)), publicKey: hex(publicKey), secretKey: hex(secretKey), name: null }
}

function byName (name: string): ReturnType<typeof identity> {
  return { discoveryKey: null, publicKey: null, secretKey: null, name: Buffer.from(name).toString('hex') }
}

test('the root view is named default, is not namespaced and has no master key of its own', () => {
  assert.deepEqual(rootView({}), { name: 'default', namespaced: false, masterKey: null, readOnly: false, detach: true })
  assert.equal(rootView({ name: '' }).name, 'default')
  assert.equal(rootView({ writable: false }).readOnly, true)
  assert.deepEqual(rootView({ name: 'x' }), { name: 'x', namespaced: true, masterKey: null, readOnly: false, detach: true }, 'corestore@5: a named store is namespaced')
})

test('namespaces chain with a colon: a, then a:b', () => {
  const a = childView(root(), { namespace: 'a' })
  assert.equal(a.name, 'a')
  assert.equal(a.namespaced, true)
  const ab = childView(a, { namespace: 'b' })
  assert.equal(ab.name, 'a:b')
  assert.equal(ab.namespaced, true)
  const session = childView(ab, {})
  assert.equal(session.name, 'a:b', 'a session without a namespace stays in its parent\'s')
  assert.equal(childView(root(), {}).namespaced, false)
})

test('a Buffer namespace name becomes its hex', () => {
  assert.equal(childView(root(), { namespace: Buffer.from([0xab, 0x01]) }).name, 'ab01')
  assert.equal(childView(root(), { namespace: new Uint8Array([0xff]) }).name, 'ff')
  assert.equal(childView(namespaced('a'), { namespace: Buffer.from([0x00]) }).name, 'a:00')
})

test('an empty namespace name, one with a NUL byte, or one that is no string is INVALID_NAME', () => {
  for (const namespace of ['', 'a\u0000b', 42 as unknown as string]) {
    assert.throws(() => childView(root(), { namespace }), { code: 'INVALID_NAME' }, JSON.stringify(namespace))
  }
})

test('an empty Buffer namespace name is INVALID_NAME like an empty string', () => {
  // A view named '' would derive default() from no bytes at all, and nest as 'a:'.
  assert.throws(() => childView(root(), { namespace: Buffer.alloc(0) }), { code: 'INVALID_NAME' })
  assert.throws(() => childView(namespaced('a'), { namespace: Buffer.alloc(0) }), { code: 'INVALID_NAME' })
})

test('writable: false is inherited by every view below and cannot be undone', () => {
  const readOnly = childView(root(), { writable: false })
  assert.equal(readOnly.readOnly, true)
  assert.equal(childView(readOnly, {}).readOnly, true)
  assert.equal(childView(readOnly, { writable: true }).readOnly, true)
  assert.equal(childView(childView(readOnly, { namespace: 'a' }), {}).readOnly, true)
  assert.equal(childView(root(), {}).readOnly, false, 'a sibling stays writable')
  assert.equal(childView(rootView({ writable: false }), {}).readOnly, true)
})

test('detach is false only where it is asked for', () => {
  const attached = childView(root(), { detach: false })
  assert.equal(attached.detach, false)
  assert.equal(childView(attached, {}).detach, true)
  assert.equal(childView(root(), { detach: true }).detach, true)
})

test('a session master key of the wrong size is INVALID_MASTER_KEY, named by its option', () => {
  assert.throws(() => childView(root(), { primaryKey: Buffer.alloc(31) }), { code: 'INVALID_MASTER_KEY', message: /primaryKey/ })
  assert.throws(() => childView(root(), { masterKey: Buffer.alloc(33) }), { code: 'INVALID_MASTER_KEY', message: /masterKey/ })
  assert.throws(() => childView(root(), { masterKey: 'x'.repeat(32) as unknown as Buffer }), { code: 'INVALID_MASTER_KEY' })
})

test('a session master key is copied, inherited below, and primaryKey wins over masterKey', () => {
  const key = Buffer.from(SESSION_KEY)
  const session = childView(root(), { primaryKey: key, masterKey: Buffer.alloc(32, 3) })
  key.fill(0)
  assert.deepEqual(session.masterKey, SESSION_KEY)
  assert.deepEqual(childView(session, { namespace: 'a' }).masterKey, SESSION_KEY)
  assert.equal(root().masterKey, null)
})

test('a Buffer, a Uint8Array, a hex string or { key } asks for that public key', () => {
  const expected = byKey(PAIR.publicKey)
  for (const arg of [PAIR.publicKey, new Uint8Array(PAIR.publicKey), PAIR.publicKey.toString('hex'), { key: PAIR.publicKey }, { key: PAIR.publicKey.toString('hex') }]) {
    const request = parseGetRequest(root(), arg)
    assert.deepEqual(identity(request), expected)
    assert.equal(request.createIfMissing, true)
  }
})

test('{ keyPair } asks for that key pair; a secret key of another pair is INVALID_KEY', () => {
  assert.deepEqual(identity(parseGetRequest(root(), { keyPair: PAIR })), byKey(PAIR.publicKey, PAIR.secretKey))
  assert.deepEqual(identity(parseGetRequest(namespaced('a'), { keyPair: PAIR, name: 'x' })), byKey(PAIR.publicKey, PAIR.secretKey), 'a key pair wins over a name')
  assert.throws(() => parseGetRequest(root(), { keyPair: { publicKey: PAIR.publicKey, secretKey: OTHER_PAIR.secretKey } }), { code: 'INVALID_KEY' })
})

test('{ name } at the root is the name as given; its discovery key waits for the master key', () => {
  assert.deepEqual(identity(parseGetRequest(root(), { name: 'x' })), byName('x'))
  assert.deepEqual(identity(parseGetRequest(root(), { name: Buffer.from('x') })), byName('x'))
  assert.deepEqual(identity(parseGetRequest(root(), { name: 'default' })), byName('default'))
  assert.equal(namedKeyPair(root(), MASTER_KEY, 'default').publicKey.toString('hex'), DEFAULT_PUBLIC_KEY)
  assert.deepEqual(qualifiedName(root(), 'x'), Buffer.from('x'))
})

test('{ name } in a namespace is qualified by the namespace path and a NUL byte', () => {
  const request = parseGetRequest(namespaced('a'), { name: 'x' })
  assert.deepEqual(identity(request), byName('a\u0000x'))
  assert.equal(deriveKeyPair(MASTER_KEY, request.name as Buffer).publicKey.toString('hex'), A_X_PUBLIC_KEY)
  assert.equal(namedKeyPair(namespaced('a'), MASTER_KEY, 'x').publicKey.toString('hex'), A_X_PUBLIC_KEY)
  assert.deepEqual(identity(parseGetRequest(namespaced('a', 'b'), { name: 'x' })), byName('a:b\u0000x'))
  assert.deepEqual(qualifiedName(namespaced('a'), Buffer.from([1, 2])), Buffer.from([0x61, 0, 1, 2]))
})

test('an empty Buffer or a non-string name is INVALID_NAME; a falsy name is no name, as in corestore@5', () => {
  for (const name of [Buffer.alloc(0), 42 as unknown as string]) {
    assert.throws(() => parseGetRequest(root(), { name }), { code: 'INVALID_NAME' })
    assert.throws(() => parseGetRequest(namespaced('a'), { name }), { code: 'INVALID_NAME' })
  }
  for (const name of ['', null, 0 as unknown as string]) {
    const request = parseGetRequest(root(), { name })
    assert.equal(request.name?.length, 32, `${String(name)}: a new core with a random 32-byte name`)
    assert.notDeepEqual(parseGetRequest(root(), { name }).name, request.name)
  }
})

test('{ discoveryKey } looks a core up and never creates it', () => {
  const dkey = discoveryKey(PAIR.publicKey)
  for (const arg of [{ discoveryKey: dkey }, { discoveryKey: dkey.toString('hex'), createIfMissing: true }]) {
    const request = parseGetRequest(root(), arg)
    assert.deepEqual(identity(request), { discoveryKey: dkey.toString('hex'), publicKey: null, secretKey: null, name: null })
    assert.equal(request.createIfMissing, false)
  }
  assert.throws(() => parseGetRequest(root(), { discoveryKey: Buffer.alloc(31) }), { code: 'INVALID_KEY' })
})

test('nothing asks for a new core from a random 32-byte name, different each call', () => {
  const names = [undefined, null, {}, { valueEncoding: 'json' }, { key: null, name: null }].map(arg => {
    const request = parseGetRequest(root(), arg)
    assert.equal(request.discoveryKey, null)
    assert.equal(request.publicKey, null)
    assert.equal(request.name?.length, 32)
    assert.equal(request.createIfMissing, true)
    return hex(request.name)
  })
  assert.equal(new Set(names).size, names.length)
})

test('a session with its own master key asks for the derived key pair of a name, not the name', () => {
  const session = childView(root(), { primaryKey: SESSION_KEY })
  const pair = deriveKeyPair(SESSION_KEY, Buffer.from('x'))
  assert.deepEqual(identity(parseGetRequest(session, { name: 'x' })), byKey(pair.publicKey, pair.secretKey))
  assert.deepEqual(namedKeyPair(session, MASTER_KEY, 'x'), pair, 'the store\'s master key is not used')

  const inNamespace = childView(session, { namespace: 'a' })
  const qualified = deriveKeyPair(SESSION_KEY, Buffer.from('a\u0000x'))
  assert.deepEqual(identity(parseGetRequest(inNamespace, { name: 'x' })), byKey(qualified.publicKey, qualified.secretKey))
})

test('in a session with its own master key, get({ default: true }) asks for the same core as default()', () => {
  const session = childView(root(), { primaryKey: SESSION_KEY })
  const pair = deriveKeyPair(SESSION_KEY, Buffer.from('default'))
  assert.deepEqual(identity(parseDefaultRequest(session, {})), byKey(pair.publicKey, pair.secretKey))
  assert.deepEqual(identity(parseGetRequest(session, { default: true })), identity(parseDefaultRequest(session, {})))
})

test('hypercore options go to coreOpts and the package\'s own options do not', () => {
  const valueEncoding = { encode: () => Buffer.alloc(0), decode: (buf: Buffer) => buf }
  const request = parseGetRequest(namespaced('a'), {
    name: 'x',
    key: null,
    keyPair: null,
    discoveryKey: null,
    default: false,
    writable: true,
    createIfMissing: true,
    exclusive: true,
    cache: { data: false },
    valueEncoding,
    sparse: true,
    eagerUpdate: false,
    extensions: ['ext']
  })
  assert.deepEqual(request.coreOpts, { valueEncoding, sparse: true, eagerUpdate: false, extensions: ['ext'] })
  assert.equal(request.coreOpts.valueEncoding, valueEncoding, 'values are passed as they are')
  assert.equal(request.exclusive, true)
  assert.deepEqual(parseGetRequest(root(), PAIR.publicKey).coreOpts, {})
  assert.deepEqual(parseGetRequest(root(), undefined).coreOpts, {})
  assert.deepEqual(parseDefaultRequest(namespaced('a'), { name: 'y', sparse: true }).coreOpts, { sparse: true })
})

test('cache options choose which parts of the shared cache a core uses', () => {
  const sharedCache = (cache?: { data?: boolean, tree?: boolean }): CoreRequest['sharedCache'] => parseGetRequest(root(), { name: 'x', cache }).sharedCache
  assert.deepEqual(sharedCache(), { data: true, tree: true })
  assert.deepEqual(sharedCache({}), { data: true, tree: true })
  assert.deepEqual(sharedCache({ data: false }), { data: false, tree: true })
  assert.deepEqual(sharedCache({ tree: false }), { data: true, tree: false })
  assert.deepEqual(sharedCache({ data: false, tree: false }), { data: false, tree: false })
})

test('writable: false on a get, or a read-only view, makes the request read-only', () => {
  assert.equal(parseGetRequest(root(), { name: 'x' }).readOnly, false)
  assert.equal(parseGetRequest(root(), { name: 'x', writable: false }).readOnly, true)
  assert.equal(parseGetRequest(childView(root(), { writable: false }), { name: 'x', writable: true }).readOnly, true)
  assert.equal(parseDefaultRequest(root(), { writable: false }).readOnly, true)
  assert.equal(parseGetRequest(root(), { name: 'x' }).exclusive, false)
})

test('a request is a new object each time and parsing leaves the caller\'s options as they were', () => {
  const opts = Object.freeze({ name: 'x', sparse: true, cache: Object.freeze({ data: false }), key: PAIR.publicKey })
  const before = { name: 'x', sparse: true, cache: { data: false }, key: Buffer.from(PAIR.publicKey) }
  const view = namespaced('a')
  const first = parseGetRequest(view, opts)
  const second = parseGetRequest(view, opts)
  parseDefaultRequest(view, opts)
  peekRequest(view, opts)
  assert.deepEqual(opts, before)
  assert.equal(first.original, opts)
  assert.notEqual(first, second)
  assert.notEqual(first.coreOpts, second.coreOpts)
  assert.notEqual(first.sharedCache, second.sharedCache)
  first.coreOpts.sparse = false
  assert.equal(second.coreOpts.sparse, true)
  assert.equal(opts.sparse, true)
})

test('default() uses the view\'s own name, unqualified, whatever name is given', () => {
  const atRoot = parseDefaultRequest(root(), undefined)
  assert.deepEqual(identity(atRoot), byName('default'))
  assert.equal(deriveKeyPair(MASTER_KEY, atRoot.name as Buffer).publicKey.toString('hex'), DEFAULT_PUBLIC_KEY)

  const ab = parseDefaultRequest(namespaced('a', 'b'), {})
  assert.deepEqual(identity(ab), byName('a:b'))
  assert.equal(deriveKeyPair(MASTER_KEY, ab.name as Buffer).publicKey.toString('hex'), A_B_PUBLIC_KEY)

  assert.deepEqual(identity(parseDefaultRequest(namespaced('a'), { name: 'x' })), byName('a'))
  const withDiscoveryKey = parseDefaultRequest(namespaced('a'), { discoveryKey: discoveryKey(PAIR.publicKey) })
  assert.deepEqual(identity(withDiscoveryKey), byName('a'))
  assert.equal(withDiscoveryKey.createIfMissing, true)
})

test('a key or key pair given to default() wins over the view\'s name', () => {
  const view = namespaced('a')
  assert.deepEqual(identity(parseDefaultRequest(view, { key: PAIR.publicKey })), byKey(PAIR.publicKey))
  assert.deepEqual(identity(parseDefaultRequest(view, PAIR.publicKey.toString('hex'))), byKey(PAIR.publicKey))
  assert.deepEqual(identity(parseDefaultRequest(view, { keyPair: PAIR })), byKey(PAIR.publicKey, PAIR.secretKey))
  assert.deepEqual(identity(parseDefaultRequest(view, { key: null, keyPair: undefined })), byName('a'))
})

test('default() in a session with its own master key asks for the derived key pair', () => {
  const session = childView(namespaced('a'), { masterKey: SESSION_KEY })
  const pair = deriveKeyPair(SESSION_KEY, Buffer.from('a'))
  assert.deepEqual(identity(parseDefaultRequest(session, {})), byKey(pair.publicKey, pair.secretKey))
})

test('peekRequest names no core when no key, name, discovery key or key pair is given', () => {
  for (const arg of [undefined, null, {}, { valueEncoding: 'json' }, { key: null, name: null, discoveryKey: null, keyPair: null }]) {
    assert.equal(peekRequest(root(), arg), null)
  }
  const peeked = [
    peekRequest(root(), PAIR.publicKey),
    peekRequest(root(), { key: PAIR.publicKey }),
    peekRequest(root(), { keyPair: PAIR }),
    peekRequest(namespaced('a'), { name: 'x' }),
    peekRequest(root(), { discoveryKey: discoveryKey(PAIR.publicKey) })
  ].map(request => request === null ? null : identity(request))
  assert.deepEqual(peeked, [
    byKey(PAIR.publicKey),
    byKey(PAIR.publicKey),
    byKey(PAIR.publicKey, PAIR.secretKey),
    byName('a\u0000x'),
    { discoveryKey: hex(discoveryKey(PAIR.publicKey)), publicKey: null, secretKey: null, name: null }
  ])
})

test('a key of the wrong size is INVALID_KEY and an argument of the wrong type INVALID_OPTIONS', () => {
  for (const key of [Buffer.alloc(31), Buffer.alloc(33), 'ab'.repeat(31)]) {
    assert.throws(() => parseGetRequest(root(), key), { code: 'INVALID_KEY' })
    assert.throws(() => parseGetRequest(root(), { key }), { code: 'INVALID_KEY' })
    assert.throws(() => parseDefaultRequest(root(), { key }), { code: 'INVALID_KEY' })
    assert.throws(() => peekRequest(root(), { key }), { code: 'INVALID_KEY' })
  }
  for (const arg of [42, true]) {
    assert.throws(() => parseGetRequest(root(), arg), { code: 'INVALID_OPTIONS' })
    assert.throws(() => parseDefaultRequest(root(), arg), { code: 'INVALID_OPTIONS' })
    assert.throws(() => peekRequest(root(), arg), { code: 'INVALID_OPTIONS' })
  }
})

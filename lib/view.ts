// A view of a store (the root view, a namespace, a session) as a small record, and the pure parsing
// of what its `get` and `default` are asked: the result is a new value that nothing rewrites.
import type { Feed } from './hypercore9'
import { checkCoreOptions } from './core-checks'
import { INVALID_NAME, INVALID_OPTIONS } from './errors'
import { deriveKeyPair, discoveryKey, parseKey, parseKeyPair, parseMasterKey, randomBytes } from './keys'
import type { KeyPair } from './keys'

export interface GetOptions extends Feed.Options {
  key?: Buffer | Uint8Array | string | null
  discoveryKey?: Buffer | Uint8Array | string | null
  keyPair?: KeyPair | null
  name?: string | Buffer | Uint8Array | null
  default?: boolean
  /** `false`: open read-only; appends fail with NOT_WRITABLE. */
  writable?: boolean
  /** `false`: fail with CORE_NOT_FOUND instead of creating a core that is not on disk. */
  createIfMissing?: boolean
  /**
   * Returns an exclusive handle to the shared core: its `ready()` and writes wait until earlier
   * exclusive handles of the core (from any view) are closed; its `close()` releases the lock.
   */
  exclusive?: boolean
  cache?: { data?: boolean, tree?: boolean }
}

export interface SessionOptions {
  /** A different master key for this session's named cores (stored like key-pair cores). */
  primaryKey?: Buffer
  masterKey?: Buffer
  /** A namespace below this view's. */
  namespace?: string | Buffer | Uint8Array
  /** `false`: closing the session closes its parent too. Default true. */
  detach?: boolean
  writable?: boolean
}

/** What sets one view of a store apart from another; everything else they share through the root. */
export interface View {
  /** The namespace path: `default` at the root, `a`, `a:b`... */
  readonly name: string
  /** False at the root, where names keep corestore@5.8's derivation. */
  readonly namespaced: boolean
  /** A session's own master key; its named cores are stored with their secret key. */
  readonly masterKey: Buffer | null
  readonly readOnly: boolean
  /** False: closing this view closes its parent too. */
  readonly detach: boolean
}

/** A `get` after its argument was parsed: how the core is identified and how its keys are found. */
export interface CoreRequest {
  /** Null for a name while the master key is unknown, and for a new random core's name. */
  readonly discoveryKey: Buffer | null
  readonly publicKey: Buffer | null
  readonly secretKey: Buffer | null
  /** A core derived from the store's master key by this name. */
  readonly name: Buffer | null
  readonly createIfMissing: boolean
  readonly readOnly: boolean
  readonly exclusive: boolean
  /** Options for hypercore given with this get (the store's own are added by the root). */
  readonly coreOpts: Feed.Options
  /** Which of the store's shared hypercore-cache parts (corestore@5's `cache` option) this core uses. */
  readonly sharedCache: { readonly data: boolean, readonly tree: boolean }
  /** What the caller passed, for the 'feed' event. */
  readonly original: unknown
}

// Namespaced core names hold a NUL byte, which namespace names may not, so they never derive a default() key.
const NAME_SEPARATOR = '\u0000'
const NAMESPACE_SEPARATOR = ':'
/** The options of `get` that are this package's, not hypercore's. */
const GET_OPTIONS = new Set(['key', 'discoveryKey', 'keyPair', 'name', 'default', 'writable', 'createIfMissing', 'exclusive', 'cache', 'secretKey', 'publicKey'])

export function rootView (opts: { name?: unknown, writable?: unknown }): View {
  const name = typeof opts.name === 'string' && opts.name.length > 0 ? opts.name : 'default'
  return { name, namespaced: name !== 'default', masterKey: null, readOnly: opts.writable === false, detach: true }
}

/** The view a session (or namespace) of `parent` sees. */
export function childView (parent: View, opts: SessionOptions): View {
  if (opts === null || typeof opts !== 'object') throw INVALID_OPTIONS(`session() takes an options object, got ${typeof opts}`)
  let name = parent.name
  let namespaced = parent.namespaced
  if (opts.namespace !== undefined && opts.namespace !== null) {
    const part = namespaceName(opts.namespace)
    name = namespaced ? name + NAMESPACE_SEPARATOR + part : part
    namespaced = true
  }
  const given = opts.primaryKey ?? opts.masterKey
  const masterKey = given === undefined || given === null ? parent.masterKey : parseMasterKey(given, opts.primaryKey !== undefined ? 'primaryKey' : 'masterKey')
  return { name, namespaced, masterKey, readOnly: opts.writable === false || parent.readOnly, detach: opts.detach !== false }
}

/** What `get(opts)` asks for in this view. */
export function parseGetRequest (view: View, opts: unknown): CoreRequest {
  return parse(view, opts, normalizeGetArgument(opts), false)
}

/** What `default(opts)` asks for: a key or key pair wins (as corestore@5), else the view's own name. */
export function parseDefaultRequest (view: View, opts: unknown): CoreRequest {
  const given = normalizeGetArgument(opts)
  if (isGiven(given.key) || isGiven(given.keyPair)) return parse(view, opts, given, false)
  return parse(view, opts, { ...given, discoveryKey: undefined, name: view.name }, true)
}

/** The request `opts` names, or null when it names no particular core (it would create a new one). */
export function peekRequest (view: View, opts: unknown): CoreRequest | null {
  const given = normalizeGetArgument(opts)
  if (!isGiven(given.keyPair) && !isGiven(given.key) && !isGiven(given.name) && !isGiven(given.discoveryKey) && given.default !== true) return null
  return parse(view, opts, given, false)
}

/** The name `get({ name })` derives from in this view: as given at the root, qualified in a namespace. */
export function qualifiedName (view: View, name: unknown): Buffer {
  const bytes = nameBytes(name)
  if (!view.namespaced) {
    if (reachesNamespace(bytes)) throw INVALID_NAME(name, 'at the root, a name that is not `<namespace>\\0<name>` (a namespaced core\'s name)')
    return bytes
  }
  return Buffer.concat([Buffer.from(view.name + NAME_SEPARATOR), bytes])
}

/** The key pair `get({ name })` gives in this view under the store's master key. */
export function namedKeyPair (view: View, storeMasterKey: Buffer, name: unknown): KeyPair {
  return deriveKeyPair(view.masterKey ?? storeMasterKey, qualifiedName(view, name))
}

function parse (view: View, original: unknown, given: GetOptions, isDefault: boolean): CoreRequest {
  const base = {
    createIfMissing: given.createIfMissing !== false,
    readOnly: view.readOnly || given.writable === false,
    exclusive: given.exclusive === true,
    coreOpts: hypercoreOptions(given),
    sharedCache: { data: given.cache?.data !== false, tree: given.cache?.tree !== false },
    original
  }
  const byKey = (publicKey: Buffer, secretKey: Buffer | null): CoreRequest =>
    ({ ...base, discoveryKey: discoveryKey(publicKey), publicKey, secretKey, name: null })
  const derived = (name: Buffer): CoreRequest => {
    if (view.masterKey === null) return { ...base, discoveryKey: null, publicKey: null, secretKey: null, name }
    // A session's own master key: store the pair itself, so the core reopens writable anywhere.
    const pair = deriveKeyPair(view.masterKey, name)
    return byKey(pair.publicKey, pair.secretKey)
  }

  if (isGiven(given.keyPair)) {
    const pair = parseKeyPair(given.keyPair)
    return byKey(pair.publicKey, pair.secretKey)
  }
  if (isGiven(given.key)) {
    const publicKey = parseKey(given.key, 'key')
    // corestore@5 handed `secretKey` to hypercore, which opened the core writable with it.
    if (isGiven(given.secretKey)) return byKey(publicKey, parseKeyPair({ publicKey, secretKey: given.secretKey }).secretKey)
    return byKey(publicKey, null)
  }
  if (isGiven(given.name)) return derived(isDefault ? nameBytes(given.name) : qualifiedName(view, given.name))
  if (given.default === true) return derived(nameBytes(view.name))
  if (isGiven(given.discoveryKey)) {
    return { ...base, discoveryKey: parseKey(given.discoveryKey, 'discoveryKey'), publicKey: null, secretKey: null, name: null, createIfMissing: false }
  }
  return derived(randomBytes(32))
}

function hypercoreOptions (given: GetOptions): Feed.Options {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(given)) {
    if (!GET_OPTIONS.has(key)) out[key] = value
  }
  const err = checkCoreOptions(out)
  if (err !== null) throw err
  return out
}

function normalizeGetArgument (opts: unknown): GetOptions {
  if (opts === undefined || opts === null) return {}
  if (typeof opts === 'string' || opts instanceof Uint8Array) return { key: opts }
  if (typeof opts !== 'object') throw INVALID_OPTIONS(`get() takes options, a key Buffer or a key string, got ${typeof opts}`)
  return opts as GetOptions
}

/**
 * As corestore@5: any falsy key, key pair, name or discovery key means "not given" (Hyperspace's RPC
 * sends an absent name as ''). Values that are wrong in every reading (a 31-byte key) still fail.
 */
function isGiven<T> (value: T | null | undefined | '' | 0 | false): value is T {
  return Boolean(value)
}

function nameBytes (name: unknown): Buffer {
  if (typeof name === 'string' && name.length > 0) return Buffer.from(name)
  if (name instanceof Uint8Array && name.byteLength > 0) return Buffer.from(name)
  throw INVALID_NAME(name)
}

/**
 * Whether a root name is some namespaced core's name, `<namespace path>\0<name>`: a non-empty UTF-8
 * namespace path (namespace paths are strings without NUL), a NUL, and a non-empty name. Other names
 * with NUL bytes (binary names such as ff fe 00) keep corestore@5's derivation.
 */
function reachesNamespace (bytes: Buffer): boolean {
  const nul = bytes.indexOf(0)
  if (nul < 1 || nul === bytes.length - 1) return false
  const prefix = bytes.subarray(0, nul)
  return Buffer.from(prefix.toString('utf8')).equals(prefix)
}

function namespaceName (name: unknown): string {
  if (name instanceof Uint8Array && name.byteLength > 0) return Buffer.from(name).toString('hex')
  if (typeof name !== 'string' || name.length === 0 || name.includes(NAME_SEPARATOR)) {
    throw INVALID_NAME(name, 'a non-empty namespace name without a NUL byte')
  }
  return name
}

// What a store folder holds on disk, read without hypercore and without writing, creating,
// locking or even touching (atime) a file: for `Corestore` listings and `corestore-ts inspect`.
import fs = require('fs')
import path = require('path')
import flat = require('flat-tree')
import { CORE_NOT_FOUND, INVALID_OPTIONS, KEY_MISMATCH, NOT_A_STORE, STORAGE_NOT_LISTABLE, STORE_FOLDER_NOT_FOUND } from '../errors'
import { isMissing, openFileNoAtime, readFilePrefix, readFileWhole } from './files'
import { deriveKeyPair, KEY_BYTES, parseKey, parseMasterKey, publicKeyOf, SECRET_KEY_BYTES, toHex } from '../keys'
import { coreRoot, keyFileHolds, MASTER_KEY_FILE } from './layout'
import { isFolderLocked } from './lock'
import { readStoredMasterKey } from './master-key'
import { decodeName } from './name-codec'
import { decodeNodeSize, HEADER_BYTES, NODE_BYTES, nodeOffset, SIGNATURE_BYTES } from './hypercore-files'
import type { StorageFunction } from './resolve'

export interface ListOptions {
  /**
   * Only the cores whose `name` file places them in this namespace path (`a`, `a:b`, as
   * `store.namespace('a').namespace('b')` names it): its default core (name `a:b`), the defaults
   * of namespaces below it (`a:b:…`) and its named cores (`a:b\0<name>`). Cores without a name
   * (opened by key or key pair) belong to no namespace. Absent: every core.
   */
  namespace?: string
}

/** Why a stored core would open writable: a name its key pair derives from, or a stored secret key. */
export type WritableBecause = 'name' | 'secret_key'

/** One core as its folder describes it. */
export interface StoredCore {
  discoveryKey: Buffer
  publicKey: Buffer
  /** True when this store can sign for it: see `writableBecause`. */
  writable: boolean
  /** `name`: the name derives the public key under the master key; `secret_key`: the stored secret key belongs to it. */
  writableBecause: WritableBecause | null
  /** The `name` file as UTF-8 text (namespaced names read `<namespace path>\0<name>`); null when there is none or it is not UTF-8. */
  name: string | null
  /** The `name` file's name bytes as hex, whenever there is a name. */
  nameHex: string | null
  /** Blocks, from the `signatures` file. */
  length: number
  /** Bytes of those blocks, from the roots in the `tree` file; null when the tree lacks a root. */
  byteLength: number | null
  /** What looks wrong in the core's files (empty when nothing does). */
  warnings: string[]
}

export interface InspectOptions extends ListOptions {
  /** The master key to check named cores against; read from the folder's `master_key` when absent. */
  masterKey?: Buffer | null
}

export interface StoreInspection {
  /** The folder, as an absolute path. */
  directory: string
  /** Where the master key that named cores were checked against came from; null when there was none. */
  masterKeySource: 'option' | 'file' | null
  /** What looks wrong with the folder itself (such as an unusable `master_key`). */
  warnings: string[]
  /** Whether a running store (in any process) holds the folder now; null where that cannot be told. */
  inUse: boolean | null
  cores: StoredCore[]
}

const HEX_BYTE = /^[0-9a-f]{2}$/
const HEX_KEY = /^[0-9a-f]{64}$/

/**
 * The discovery keys of every core stored in a folder, loaded or not, in hex order: each folder
 * `<dk[0..2]>/<dk[2..4]>/<dk>/` whose `key` file holds the public key of that discovery key.
 * A folder that does not exist holds no cores. Storage given as a function cannot be listed.
 */
export async function * listStoredCores (storage: string | StorageFunction, opts: ListOptions = {}): AsyncGenerator<Buffer> {
  if (typeof storage !== 'string') throw STORAGE_NOT_LISTABLE(storage)
  const namespace = opts.namespace
  if (namespace !== undefined && (typeof namespace !== 'string' || namespace.length === 0 || namespace.includes('\u0000'))) {
    throw INVALID_OPTIONS(`namespace must be a non-empty namespace path such as "a" or "a:b", got ${JSON.stringify(namespace)}`)
  }
  const directory = path.resolve(storage)
  for (const first of await subfolders(directory, HEX_BYTE, true)) {
    for (const second of await subfolders(path.join(directory, first), HEX_BYTE)) {
      const prefix = first + second
      for (const hex of await subfolders(path.join(directory, first, second), HEX_KEY)) {
        if (!hex.startsWith(prefix)) continue
        const folder = path.join(directory, first, second, hex)
        const dkey = Buffer.from(hex, 'hex')
        if (!keyFileHolds(await readFilePrefix(path.join(folder, 'key'), KEY_BYTES), dkey)) continue
        if (namespace !== undefined) {
          const name = await readName(folder)
          if (name === null || !inNamespace(name, namespace)) continue
        }
        yield dkey
      }
    }
  }
}

/**
 * Whether a core's name places it in a namespace path: `ns` itself (its default core), `ns:…`
 * (a namespace below it) or `ns\0…` (a core named in it). Root names such as `ns:x` given to
 * `get({ name })` at the root read the same: the name is all the folder tells.
 */
export function inNamespace (name: Buffer, namespace: string): boolean {
  const ns = Buffer.from(namespace)
  if (name.length < ns.length || !name.subarray(0, ns.length).equals(ns)) return false
  if (name.length === ns.length) return true
  const next = name[ns.length]
  return next === 0x3a /* : */ || next === 0x00
}

/**
 * Describes one stored core from its files alone, without opening it through hypercore.
 * `masterKey` is what named cores are checked against (null: named cores count as read-only).
 * Throws CORE_NOT_FOUND when the core has no `key` file, KEY_MISMATCH when it holds another core's key.
 */
export async function describeStoredCore (directory: string, dkey: Buffer | string, masterKey: Buffer | null): Promise<StoredCore> {
  const wanted = parseKey(dkey, 'discoveryKey')
  const hex = toHex(wanted)
  const folder = path.join(path.resolve(directory), coreRoot(hex))
  const publicKey = await readFilePrefix(path.join(folder, 'key'), KEY_BYTES)
  if (publicKey === null) throw CORE_NOT_FOUND(hex)
  if (!keyFileHolds(publicKey, wanted)) throw KEY_MISMATCH(hex, `the stored public key ${toHex(publicKey)} belongs to another discovery key`)

  const warnings: string[] = []
  const name = await readName(folder, warnings)
  let writableBecause: WritableBecause | null = null
  if (name !== null) {
    // As the store does: a name decides, whatever else the folder holds.
    if (masterKey === null) warnings.push('named core, but no master key to derive its key pair from')
    else if (deriveKeyPair(masterKey, name).publicKey.equals(publicKey)) writableBecause = 'name'
    else warnings.push('its name derives another public key under this master key (a different master key?)')
  } else {
    const secretKey = await readFilePrefix(path.join(folder, 'secret_key'), SECRET_KEY_BYTES)
    if (secretKey !== null) {
      if (publicKeyOf(secretKey).equals(publicKey)) writableBecause = 'secret_key'
      else warnings.push('its secret_key belongs to another public key')
    }
  }

  const length = await storedLength(folder, warnings)
  const byteLength = await storedByteLength(folder, length, warnings)
  return {
    discoveryKey: wanted,
    publicKey,
    writable: writableBecause !== null,
    writableBecause,
    name: name === null ? null : utf8(name),
    nameHex: name === null ? null : toHex(name),
    length,
    byteLength,
    warnings
  }
}

/**
 * Describes every core of a store folder (or of one namespace of it). Throws STORE_FOLDER_NOT_FOUND
 * for a missing folder and NOT_A_STORE for a file or a folder with neither a `master_key` nor a core.
 */
export async function inspectStoreFolder (directory: string, opts: InspectOptions = {}): Promise<StoreInspection> {
  const root = path.resolve(directory)
  let stat: fs.Stats
  try {
    stat = await fs.promises.stat(root)
  } catch (err) {
    if (isMissing(err)) throw STORE_FOLDER_NOT_FOUND(root)
    throw err
  }
  if (!stat.isDirectory()) throw NOT_A_STORE(root, 'it is a file, not a folder')

  const warnings: string[] = []
  const hasMasterKeyFile = await exists(path.join(root, MASTER_KEY_FILE))
  if (!hasMasterKeyFile && !(await holdsAnyCore(root))) {
    throw NOT_A_STORE(root, `it holds neither a ${MASTER_KEY_FILE} file nor any core folder (<dk[0..2]>/<dk[2..4]>/<discovery key>/key)`)
  }

  let masterKey: Buffer | null = null
  let masterKeySource: StoreInspection['masterKeySource'] = null
  if (opts.masterKey !== undefined && opts.masterKey !== null) {
    masterKey = parseMasterKey(opts.masterKey)
    masterKeySource = 'option'
  } else {
    try {
      masterKey = await readStoredMasterKey(root)
      if (masterKey !== null) masterKeySource = 'file'
    } catch (err) {
      if ((err as { code?: string }).code !== 'INVALID_MASTER_KEY') throw err
      warnings.push((err as Error).message)
    }
  }

  const cores: StoredCore[] = []
  const list = opts.namespace === undefined ? {} : { namespace: opts.namespace }
  for await (const dkey of listStoredCores(root, list)) cores.push(await describeStoredCore(root, dkey, masterKey))
  return { directory: root, masterKeySource, warnings, inUse: await isFolderLocked(root), cores }
}

async function holdsAnyCore (directory: string): Promise<boolean> {
  const cores = listStoredCores(directory)
  try {
    return (await cores.next()).done !== true
  } finally {
    await cores.return(undefined)
  }
}

/** hypercore@9 writes the signature of block i at 32 + 64 * i, so the file's size counts the blocks. */
async function storedLength (folder: string, warnings: string[]): Promise<number> {
  const size = await sizeOf(path.join(folder, 'signatures'))
  if (size <= HEADER_BYTES) return 0
  const extra = (size - HEADER_BYTES) % SIGNATURE_BYTES
  if (extra !== 0) warnings.push(`the signatures file ends in ${extra} bytes of a partial signature`)
  return Math.floor((size - HEADER_BYTES) / SIGNATURE_BYTES)
}

/** The sum of the sizes of the tree's full roots for `length` blocks, as hypercore computes it on open. */
async function storedByteLength (folder: string, length: number, warnings: string[]): Promise<number | null> {
  if (length === 0) return 0
  const handle = await openFileNoAtime(path.join(folder, 'tree'))
  if (handle === null) {
    warnings.push(`the signatures file counts ${length} blocks, but there is no tree file`)
    return null
  }
  try {
    let byteLength = 0
    for (const index of flat.fullRoots(2 * length)) {
      const node = await readNode(handle, index)
      if (node === null) {
        warnings.push(`the signatures file counts ${length} blocks, but the tree holds no root node ${index} for them`)
        return null
      }
      byteLength += node.size
    }
    if (await readNode(handle, 2 * length) !== null) {
      warnings.push(`the tree holds block ${length}, past the ${length} blocks the signatures file counts`)
    }
    return byteLength
  } finally {
    await handle.close()
  }
}

async function readNode (handle: fs.promises.FileHandle, index: number): Promise<{ size: number } | null> {
  const buf = Buffer.alloc(NODE_BYTES)
  const { bytesRead } = await handle.read(buf, 0, NODE_BYTES, nodeOffset(index))
  const size = decodeNodeSize(buf.subarray(0, bytesRead))
  return size === null ? null : { size }
}

async function readName (folder: string, warnings?: string[]): Promise<Buffer | null> {
  const file = await readFileWhole(path.join(folder, 'name'))
  if (file === null || file.length === 0) return null
  const name = decodeName(file)
  if (name === null) warnings?.push('its name file does not hold a name (a varint length, then that many bytes)')
  return name
}

function utf8 (bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}

async function subfolders (directory: string, pattern: RegExp, root = false): Promise<string[]> {
  let entries: fs.Dirent[]
  try {
    entries = await fs.promises.readdir(directory, { withFileTypes: true })
  } catch (err) {
    if (root && (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw NOT_A_STORE(directory, 'it is a file, not a folder')
    if (isMissing(err)) return []
    throw err
  }
  return entries.filter(entry => entry.isDirectory() && pattern.test(entry.name)).map(entry => entry.name).sort()
}

async function sizeOf (file: string): Promise<number> {
  try {
    const stat = await fs.promises.stat(file)
    return stat.isFile() ? stat.size : 0
  } catch (err) {
    if (isMissing(err)) return 0
    throw err
  }
}

async function exists (file: string): Promise<boolean> {
  try {
    await fs.promises.stat(file)
    return true
  } catch (err) {
    if (isMissing(err)) return false
    throw err
  }
}

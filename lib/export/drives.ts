/**
 * Hyperdrive v10 → Hyperdrive 13, the metadata half: reads a v10 drive's metadata core (a
 * mountable-hypertrie whose values are hyperdrive-schemas `Stat`s) and writes the same files as the
 * Hyperbee that hyperdrive@13 opens by the old drive key. The content core is copied block for block
 * elsewhere; a file's blob points at the same blocks it did in v10.
 *
 * The new stack (Corestore 7, Hyperbee, hypertrie@5, hyperdrive-schemas) comes in as an argument, the
 * optional `corestore-ts-export` package: this module loads none of it.
 */
import path = require('path')
import varint = require('varint')
import { CorestoreError } from '../errors'
import type { Core7 as StackCore7, ExportStack as FullExportStack } from './stack'

/** Every code this module throws with (listed with the others in lib/errors.ts). */
export type DriveExportErrorCode = 'KEY_MISMATCH' | 'EXPORT_CONFLICT' | 'DRIVE_READ_FAILED' | 'INVALID_ARGUMENT'

/** A `CorestoreError` with one of this module's codes. */
export class DriveExportError extends CorestoreError {
  constructor (code: DriveExportErrorCode, message: string, opts?: { cause?: unknown }) {
    super(code, message)
    if (opts?.cause !== undefined) Object.assign(this, { cause: opts.cause })
  }
}

/** hyperblobs' id of a file's bytes in the content core. */
export interface BlobId {
  blockOffset: number
  blockLength: number
  byteOffset: number
  byteLength: number
}

/** A JSON-safe form of a v10 metadata value: a string when the bytes are UTF-8, else Buffer's JSON. */
export type MetadataValue = string | { type: 'Buffer', data: number[] }

/** One file as Hyperdrive 13 stores it (the value of its `files` entry), with its path. */
export interface DriveEntry {
  /** Normalized, absolute: `/a/b.txt`. */
  path: string
  executable: boolean
  linkname: string | null
  blob: BlobId | null
  metadata: Record<string, MetadataValue> | null
}

/** Why a v10 entry did not carry over. */
export type SkipReason =
  /** A mount of another drive, or of a plain hypercore: Hyperdrive 13 has no mounts. */
  | 'mount'
  /** A file below a mount point: v10 never showed it (the mount hides it). */
  | 'below-mount'
  /** A hidden entry that is not a mount record, e.g. a tag (`hyperdrive-tags/…`): tags name versions, and history does not carry over. */
  | 'hidden'
  /** Not a regular file, a symlink or a directory (a socket, a device…). */
  | 'unsupported-type'
  /** A value that is not a Stat. */
  | 'undecodable'
  /** A key that normalizes to the root or to another entry's path. */
  | 'invalid-path'
  /** A file whose content blocks the content core never stored (the export copies it up to its first missing block). */
  | 'content-missing'

export interface SkippedEntry {
  /** The path as the drive showed it (`/mnt`), or the hidden key (`hyperdrive-tags/v1`). */
  path: string
  why: SkipReason
}

export interface V10Drive {
  metadataKey: Buffer
  contentKey: Buffer
  /** The drive's files, sorted in the order the Hyperbee stores them. No file contents. */
  entries: DriveEntry[]
  skipped: SkippedEntry[]
  /** The metadata core's length: the v10 drive's version. Every version before the latest is left behind. */
  history: number
  /** Directories seen: Hyperdrive 13 has none, so they are dropped (a directory with files reappears through them). */
  directories: number
}

export interface WriteV13Result {
  /** Files the Hyperbee holds for this drive. */
  files: number
  /** Files this call wrote (0 when an earlier call had finished the conversion). */
  written: number
  /** True when the core already held the complete conversion and nothing was written. */
  alreadyDone: boolean
  skipped: SkippedEntry[]
}

export interface WriteV13Options {
  /** Entries per Hyperbee batch (default 1000): bounds the memory a large drive takes to write. */
  batchSize?: number
}

type NodeCallback<T> = (err: Error | null, value?: T) => void

/** The hypercore@9 feed members this module uses: read-only. */
export interface V10Feed {
  readonly key: Buffer | null
  readonly length: number
  maxRequests?: number
  ready (cb: NodeCallback<void>): void
  get (index: number, opts: { wait?: boolean, valueEncoding?: string }, cb: NodeCallback<Buffer>): void
}

interface TrieNode { key: string, value: Buffer | null, flags: number, hidden?: boolean }
interface TrieIterator { next (cb: NodeCallback<TrieNode | null>): void }
interface Trie {
  ready (cb: NodeCallback<void>): void
  iterator (prefix: string, opts: Record<string, unknown>): TrieIterator
}

interface V10Stat {
  mode: number
  size: number
  blocks: number
  offset: number
  byteOffset: number
  linkname: string | null
  mount: unknown
  metadata: Record<string, Buffer> | null
}

/** A Hyperbee's face as this module uses it (hyperbee@2). */
interface Bee {
  ready (): Promise<void>
  close (): Promise<void>
  getHeader (opts?: { wait?: boolean }): Promise<{ protocol?: string, metadata?: { contentFeed?: Buffer | null } | null } | null>
  batch (): BeeBatch
  createReadStream (range?: Record<string, unknown>, opts?: Record<string, unknown>): AsyncIterable<{ key: Buffer, value: unknown }>
}
interface BeeBatch {
  put (key: string, value: unknown, opts?: Record<string, unknown>): Promise<void>
  flush (): Promise<void>
  close (): Promise<void>
  /** With `true`, appends the Hyperbee header to an empty core (what a first put does). */
  getRoot (ensureHeader: boolean): Promise<unknown>
}

/** The core Corestore 7 hands out, as far as this module uses it. */
export type Core7 = Pick<StackCore7, 'key' | 'length' | 'writable' | 'ready' | 'close'>

/** A Corestore 7 as this module uses it. */
export interface Store7 {
  get (opts: { key: Buffer, keyPair: { publicKey: Buffer, secretKey: Buffer } }): Core7
}

/** The members of `require('corestore-ts-export')` this module uses. */
export type ExportStack = Pick<FullExportStack, 'Hyperbee' | 'SubEncoder' | 'hypertrie' | 'hyperdriveSchemas'>

const FILE_TYPE = 0o170000
const IFREG = 0o100000
const IFLNK = 0o120000
const IFDIR = 0o040000
const ANY_EXECUTE = 0o111
// mountable-hypertrie's flag on the visible node of a mount (user flags sit above the trie's own 8 bits).
const MOUNT_FLAG = 1
const MOUNT_RECORDS = 'mounts/'

const DEFAULT_BATCH_SIZE = 1000

/**
 * Reads a Hyperdrive v10 drive from its metadata core. Null when block 0 is not a v10 drive's header
 * (a hypertrie of subtype `hyperdrive`). The feed is only read: never appended to, and its
 * listeners and `maxRequests` are left as they were.
 */
export async function readV10Drive (stack: ExportStack, feed: V10Feed): Promise<V10Drive | null> {
  await callback<void>(cb => feed.ready(cb))
  if (feed.length === 0 || feed.key === null) return null
  const header = decodeHeader(await readBlock(feed, 0))
  if (header === null || header.type !== 'hypertrie' || header.subtype !== 'hyperdrive') return null
  if (header.metadata === null || header.metadata.length !== 32) {
    throw new DriveExportError('DRIVE_READ_FAILED', `the drive ${feed.key.toString('hex')} names no 32-byte content key in its header (got ${header.metadata === null ? 'none' : `${header.metadata.length} bytes`})`)
  }

  const maxRequests = feed.maxRequests
  // A checkout pins the version read and keeps hypertrie from listening to the feed's appends.
  const trie = stack.hypertrie(null, null, { feed, checkout: feed.length, extension: false }) as Trie
  try {
    await callback<void>(cb => trie.ready(cb))
    const visible = await listTrie(trie, false, feed)
    const hidden = await listTrie(trie, true, feed)
    return { metadataKey: feed.key, contentKey: header.metadata, history: feed.length, ...toEntries(stack, visible, hidden) }
  } finally {
    if (maxRequests === undefined) delete feed.maxRequests
    else feed.maxRequests = maxRequests
  }
}

function toEntries (stack: ExportStack, visible: TrieNode[], hidden: TrieNode[]): Pick<V10Drive, 'entries' | 'skipped' | 'directories'> {
  const skipped: SkippedEntry[] = []
  const mounts: string[] = []
  const files: DriveEntry[] = []
  let directories = 0

  for (const node of visible) {
    const drivePath = path.posix.resolve('/', node.key)
    let stat: V10Stat
    try {
      stat = stack.hyperdriveSchemas.Stat.decode(node.value ?? Buffer.alloc(0)) as V10Stat
    } catch {
      skipped.push({ path: drivePath, why: 'undecodable' })
      continue
    }
    if (stat.mount !== null || ((node.flags >> 8) & MOUNT_FLAG) !== 0) {
      mounts.push(drivePath)
      skipped.push({ path: drivePath, why: 'mount' })
      continue
    }
    const type = stat.mode & FILE_TYPE
    if (type === IFDIR) {
      directories++
      continue
    }
    if (type !== IFREG && type !== IFLNK) {
      skipped.push({ path: drivePath, why: 'unsupported-type' })
      continue
    }
    files.push(toEntry(drivePath, stat, type === IFLNK))
  }

  for (const node of hidden) {
    // A mount's hidden record goes with its visible node, reported above.
    if (!node.key.startsWith(MOUNT_RECORDS)) skipped.push({ path: node.key, why: 'hidden' })
  }

  const entries: DriveEntry[] = []
  const seen = new Set<string>()
  for (const entry of files) {
    if (mounts.some(mount => entry.path.startsWith(mount + '/'))) {
      skipped.push({ path: entry.path, why: 'below-mount' })
    } else if (entry.path === '/' || seen.has(entry.path)) {
      skipped.push({ path: entry.path, why: 'invalid-path' })
    } else {
      seen.add(entry.path)
      entries.push(entry)
    }
  }

  const files13 = new stack.SubEncoder('files', 'utf-8')
  const sortKeys = new Map(entries.map(entry => [entry, files13.encode(entry.path)]))
  entries.sort((a, b) => Buffer.compare(sortKeys.get(a) as Buffer, sortKeys.get(b) as Buffer))
  skipped.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  return { entries, skipped, directories }
}

function toEntry (drivePath: string, stat: V10Stat, symlink: boolean): DriveEntry {
  const metadata = toJsonMetadata(stat.metadata)
  if (symlink) return { path: drivePath, executable: false, linkname: stat.linkname ?? '', blob: null, metadata }
  // v10 appends one empty block for an empty file; Hyperdrive 13's own empty file points at no block.
  const blob: BlobId = stat.size === 0
    ? { blockOffset: stat.offset, blockLength: 0, byteOffset: stat.byteOffset, byteLength: 0 }
    : { blockOffset: stat.offset, blockLength: stat.blocks, byteOffset: stat.byteOffset, byteLength: stat.size }
  return { path: drivePath, executable: (stat.mode & ANY_EXECUTE) !== 0, linkname: null, blob, metadata }
}

function toJsonMetadata (metadata: Record<string, Buffer> | null): Record<string, MetadataValue> | null {
  if (metadata === null) return null
  const keys = Object.keys(metadata)
  if (keys.length === 0) return null
  const out: Record<string, MetadataValue> = {}
  for (const key of keys) {
    const value = metadata[key] as Buffer
    const text = value.toString('utf-8')
    out[key] = Buffer.from(text, 'utf-8').equals(value) ? text : { type: 'Buffer', data: [...value] }
  }
  return out
}

/**
 * Writes the drive as Hyperdrive 13's Hyperbee into the compat core of the drive's own key. Resumes a
 * conversion an earlier call began (each batch lands whole), does nothing when it is complete, and
 * refuses a core that holds anything else.
 */
export async function writeV13Drive (stack: ExportStack, store7: Store7, metadataKeyPair: { publicKey: Buffer, secretKey: Buffer }, drive: V10Drive, opts: WriteV13Options = {}): Promise<WriteV13Result> {
  if (!metadataKeyPair.publicKey.equals(drive.metadataKey)) {
    throw new DriveExportError('KEY_MISMATCH', `the key pair's public key ${metadataKeyPair.publicKey.toString('hex')} is not the drive key ${drive.metadataKey.toString('hex')}`)
  }
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new DriveExportError('INVALID_ARGUMENT', `batchSize must be a positive integer, got ${String(batchSize)}`)
  }

  const core = store7.get({ key: drive.metadataKey, keyPair: metadataKeyPair })
  const bee = new stack.Hyperbee(core, { keyEncoding: 'utf-8', valueEncoding: 'json', metadata: { contentFeed: drive.contentKey } }) as Bee
  try {
    await bee.ready()
    if (!core.writable) {
      throw new DriveExportError('KEY_MISMATCH', `the core ${drive.metadataKey.toString('hex')} is not writable with the key pair given`)
    }
    const files = new stack.SubEncoder('files', 'utf-8')
    const done = await convertedPrefix(bee, core, files, drive)
    if (done === drive.entries.length && core.length > 0) {
      return { files: done, written: 0, alreadyDone: true, skipped: drive.skipped }
    }

    for (let start = done; start < drive.entries.length; start += batchSize) {
      const batch = bee.batch()
      try {
        for (const entry of drive.entries.slice(start, start + batchSize)) {
          await batch.put(entry.path, entryValue(entry), { keyEncoding: files })
        }
        await batch.flush()
      } finally {
        await batch.close()
      }
    }
    if (core.length === 0) {
      // A drive with no files still needs the header that names its content core; an empty batch
      // flush writes nothing, so ask for the root the way a first put does.
      const batch = bee.batch()
      try {
        await batch.getRoot(true)
      } finally {
        await batch.close()
      }
    }
    return { files: drive.entries.length, written: drive.entries.length - done, alreadyDone: false, skipped: drive.skipped }
  } finally {
    await bee.close()
  }
}

/** How many of the drive's entries the bee already holds, in order; throws EXPORT_CONFLICT on anything else. */
async function convertedPrefix (bee: Bee, core: Core7, files: { encode (key: string): Buffer }, drive: V10Drive): Promise<number> {
  const target = drive.metadataKey.toString('hex')
  if (core.length === 0) return 0
  let header
  try {
    header = await bee.getHeader({ wait: false })
  } catch (err) {
    throw new DriveExportError('EXPORT_CONFLICT', `the core ${target} holds ${core.length} blocks that are not a Hyperbee`, { cause: err })
  }
  const contentFeed = contentFeedOf(header?.metadata)
  if (header === null || header.protocol !== 'hyperbee' || contentFeed === null || !contentFeed.equals(drive.contentKey)) {
    throw new DriveExportError('EXPORT_CONFLICT', `the core ${target} holds a Hyperbee whose content core is ${contentFeed === null ? 'unset' : contentFeed.toString('hex')}, not the drive's ${drive.contentKey.toString('hex')}`)
  }

  let index = 0
  for await (const node of bee.createReadStream({}, { keyEncoding: 'binary', valueEncoding: 'json' })) {
    const entry = drive.entries[index]
    if (entry === undefined || !node.key.equals(files.encode(entry.path)) || !sameJson(node.value, entryValue(entry))) {
      const where = entry === undefined ? 'an entry beyond the drive\'s last' : `an entry other than ${entry.path}`
      throw new DriveExportError('EXPORT_CONFLICT', `the core ${target} holds ${where} (key ${JSON.stringify(node.key.toString('utf-8'))}): not a conversion of this drive`)
    }
    index++
  }
  return index
}

function contentFeedOf (metadata: { contentFeed?: Buffer | null } | null | undefined): Buffer | null {
  const contentFeed = metadata?.contentFeed
  return Buffer.isBuffer(contentFeed) ? contentFeed.subarray(0, 32) : null
}

function entryValue (entry: DriveEntry): Omit<DriveEntry, 'path'> {
  return { executable: entry.executable, linkname: entry.linkname, blob: entry.blob, metadata: entry.metadata }
}

function sameJson (a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

async function listTrie (trie: Trie, hidden: boolean, feed: V10Feed): Promise<TrieNode[]> {
  const ite = trie.iterator('', { recursive: true, hidden, wait: false, extension: false })
  const nodes: TrieNode[] = []
  try {
    for (let node = await callback<TrieNode | null>(cb => ite.next(cb)); node; node = await callback<TrieNode | null>(cb => ite.next(cb))) {
      nodes.push(node)
    }
  } catch (err) {
    throw new DriveExportError('DRIVE_READ_FAILED', `the drive ${feed.key?.toString('hex') ?? ''} could not be read at version ${feed.length}: ${(err as Error).message}`, { cause: err })
  }
  return nodes
}

async function readBlock (feed: V10Feed, index: number): Promise<Buffer> {
  try {
    return await callback<Buffer>(cb => feed.get(index, { wait: false, valueEncoding: 'binary' }, cb))
  } catch (err) {
    throw new DriveExportError('DRIVE_READ_FAILED', `block ${index} of ${feed.key?.toString('hex') ?? 'the core'} is not available: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * The hypertrie Header (DEP-0007): `type` = 1, `metadata` = 2, `subtype` = 3, all length-delimited.
 * Decoded by hand so that any block 0 — a Hyperbee header, raw data — reads as "not a drive" (null).
 */
function decodeHeader (buf: Buffer): { type: string | null, metadata: Buffer | null, subtype: string | null } | null {
  const out: { type: string | null, metadata: Buffer | null, subtype: string | null } = { type: null, metadata: null, subtype: null }
  let i = 0
  // The varint package throws on a varint the bytes end inside of, or one too long.
  const next = (): number | null => {
    try {
      const value = varint.decode(buf, i)
      i += varint.decode.bytes
      return value
    } catch {
      return null
    }
  }
  while (i < buf.length) {
    const tag = next()
    if (tag === null || (tag & 7) !== 2) return null
    const length = next()
    if (length === null || i + length > buf.length) return null
    const field = buf.subarray(i, i + length)
    i += length
    const number = Math.floor(tag / 8)
    if (number === 1) out.type = field.toString('utf-8')
    else if (number === 2) out.metadata = Buffer.from(field)
    else if (number === 3) out.subtype = field.toString('utf-8')
  }
  return out
}

function callback<T> (fn: (cb: NodeCallback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => err ? reject(err) : resolve(value as T)))
}

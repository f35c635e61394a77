// The export: a corestore@5 folder (Hypercore 9) to a Corestore 7 store (Hypercore 11) with the same
// keys. Hypercore 11 hashes lengths little-endian, so no v9 signature verifies there: the owner signs
// the same blocks again, in a compat core (`get({ key: publicKey, keyPair })`) whose key stays the
// public key, and whose discovery key (BLAKE2b of 'hypercore' keyed with it) stays the same. Only the
// cores the folder can sign for carry over; the others are reported, to fetch again from their writer.
//
// In order: the source is read (never written: files open O_RDONLY, access times kept) and every
// block of every core to export is verified against its tree node, and every stored signature over
// the blocks before it, before anything is written; then each core is copied in batches, verified again as it
// is read, and recorded in the destination's manifest once complete. A second run of the same export
// skips what the manifest records (and the new store confirms), and finishes a core it left halfway.
import fs = require('fs')
import path = require('path')
import { CorestoreError, EXPORT_CONFLICT, EXPORT_DESTINATION_IS_A_STORE, EXPORT_DESTINATION_NOT_EMPTY, EXPORT_WRITE_FAILED, INVALID_OPTIONS, KEY_MISMATCH } from '../errors'
import { deriveKeyPair, deriveSecret, discoveryKey, publicKeyOf, SECRET_KEY_BYTES, toHex } from '../keys'
import type { KeyPair } from '../keys'
import { readFilePrefix } from '../storage/files'
import { inspectStoreFolder } from '../storage/inspect'
import type { StoredCore } from '../storage/inspect'
import { coreRoot, MASTER_KEY_FILE } from '../storage/layout'
import { readStoredMasterKey } from '../storage/master-key'
import { Feed } from '../hypercore9'
import { readV10Drive, writeV13Drive } from './drives'
import type { V10Drive, V10Feed } from './drives'
import { overlayStorage } from './overlay-storage'
import { loadExportStack } from './stack'
import type { Core7, ExportStack, Store7 } from './stack'
import { TreeHash11 } from './tree11'
import { firstMissingBlock, lastSignedLength, readVerified } from './v9-source'

export const MANIFEST_FILE = 'corestore-ts-export.json'
const MANIFEST_FORMAT = 1

export interface ExportOptions {
  /** Also convert each Hyperdrive v10 drive (metadata and content cores) into one Hyperdrive 13 opens by its old key. */
  drives?: boolean
  /** Called as the export goes (a few times per second at most, and at each core's start and end). */
  onprogress?: (progress: ExportProgress) => void
}

export interface ExportProgress {
  phase: 'verify' | 'write'
  /** Cores done in this phase, and to do. */
  cores: number
  totalCores: number
  blocks: number
  totalBlocks: number
  bytes: number
  totalBytes: number
  /** Milliseconds since the phase began. */
  elapsedMs: number
}

/** One core the export wrote (or found written by an earlier run). */
export interface ExportedCore {
  key: string
  discoveryKey: string
  /** The source's name for it (`a:b`, `ns\u0000name`), or null for a core opened by key pair. */
  name: string | null
  blocks: number
  bytes: number
  /** `exported` now; `already-exported` by an earlier run of this export; `drive`: converted for Hyperdrive 13 (see `drives`). */
  status: 'exported' | 'already-exported' | 'drive'
}

/** A core (or its tail) that did not carry over, and why. */
export interface NotExported {
  key: string
  discoveryKey: string
  length: number
  why: string
}

export interface ExportReport {
  source: string
  destination: string
  /** Whether an earlier run of this export had written to the destination. */
  resumed: boolean
  /** Whether a store (in any process) held the source folder while it was read; null where that cannot be told. */
  sourceInUse: boolean | null
  cores: ExportedCore[]
  /** Cores the source only replicated (it holds no secret key for them): fetch them again from their migrated writer. */
  readOnly: NotExported[]
  /** Writable cores with blocks never stored: copied up to their first missing block, or not at all (`blocks` 0). */
  partial: Array<NotExported & { copiedBlocks: number }>
  drives: ExportedDrive[]
  blocks: number
  bytes: number
  elapsedMs: number
  versions: ExportStack['versions']
}

export interface ExportedDrive {
  key: string
  contentKey: string
  files: number
  /** Entries that did not carry over (mounts), and why. */
  skipped: Array<{ path: string, why: string }>
  /** Versions of the drive before its latest: history, checkouts and tags do not carry over. */
  history: number
}

interface Manifest {
  format: number
  tool: 'corestore-ts'
  /** Identifies the source store without revealing its master key. */
  source: string
  sourceFolder: string
  complete: boolean
  cores: Record<string, { blocks: number }>
  drives?: Record<string, { files: number }>
}

/** A writable core to copy. */
interface Planned {
  stored: StoredCore
  folder: string
  keyPair: KeyPair
  blocks: number
  bytes: number
  /** With `drives`: the Hyperdrive v10 drive whose metadata core this is (converted, not copied). */
  drive: V10Drive | null
  /** Hypercore 11's tree hash of the blocks, from the verify pass: what the new store must hold. */
  treeHash: Buffer | null
}

/**
 * Exports the corestore@5 folder `from` into a Corestore 7 store at `to` (created; or a previous,
 * unfinished or finished, export of the same source, which is resumed). See the module's comment.
 */
export async function exportStore (from: string, to: string, opts: ExportOptions = {}): Promise<ExportReport> {
  if (typeof from !== 'string' || from.length === 0) throw INVALID_OPTIONS('the folder to export from must be a path')
  if (typeof to !== 'string' || to.length === 0) throw INVALID_OPTIONS('the folder to export to must be a path')
  const started = Date.now()
  const stack = loadExportStack()
  const source = path.resolve(from)
  const destination = path.resolve(to)
  if (isInside(destination, source) || isInside(source, destination)) throw EXPORT_DESTINATION_NOT_EMPTY(destination, `it must be outside the source folder ${source}, and the source outside it`)

  // Throws STORE_FOLDER_NOT_FOUND, NOT_A_STORE, INVALID_MASTER_KEY (a torn master_key).
  const inspection = await inspectStoreFolder(source)
  const masterKey = await readStoredMasterKey(source)
  const sourceId = masterKey === null ? `folder:${source}` : toHex(deriveSecret(masterKey, 'corestore-ts-export', 'source'))
  const previous = await checkDestination(destination, sourceId)

  const report: ExportReport = {
    source,
    destination,
    resumed: previous !== null,
    sourceInUse: inspection.inUse,
    cores: [],
    readOnly: [],
    partial: [],
    drives: [],
    blocks: 0,
    bytes: 0,
    elapsedMs: 0,
    versions: stack.versions
  }

  // Plan: key pairs checked, holes found.
  const planned: Planned[] = []
  for (const stored of inspection.cores) {
    const folder = path.join(source, coreRoot(toHex(stored.discoveryKey)))
    const entry = { key: toHex(stored.publicKey), discoveryKey: toHex(stored.discoveryKey), length: stored.length }
    if (!stored.writable) {
      report.readOnly.push({ ...entry, why: stored.warnings.length > 0 ? stored.warnings.join('; ') : 'the folder holds no secret key for it: it only replicated it' })
      continue
    }
    const keyPair = await keyPairOf(stored, folder, masterKey)
    const hole = await firstMissingBlock(folder, stored.length)
    // Up to its first missing block, and there up to the last length its owner signed.
    const blocks = hole === null ? stored.length : await lastSignedLength(folder, hole)
    if (hole !== null) {
      const copied = blocks === 0 ? 'nothing before it has a signature to copy it with' : `blocks 0 to ${blocks - 1} are copied${blocks < hole ? ' (the longest signed length before it)' : ''}, the ${stored.length - blocks} after them are not`
      report.partial.push({ ...entry, copiedBlocks: blocks, why: `block ${hole} was never stored (or was cleared): ${copied}` })
    }
    planned.push({ stored, folder, keyPair, blocks, bytes: hole === null ? stored.byteLength ?? 0 : 0, drive: null, treeHash: null })
  }
  if (opts.drives === true) await findDrives(stack, planned, report)

  // Verify everything before writing anything.
  const verifying = progressOf('verify', planned, opts.onprogress)
  for (const core of planned) {
    const tree = new TreeHash11(stack.hypercoreCrypto)
    const read = await readVerified(core.folder, core.stored.publicKey, core.blocks, async batch => {
      for (const block of batch) tree.add(block)
      verifying.blocks(batch)
    }, { everySignature: true })
    core.bytes = read.bytes
    core.treeHash = tree.hash()
    verifying.coreDone()
  }

  await fs.promises.mkdir(destination, { recursive: true })
  const manifest: Manifest = previous ?? { format: MANIFEST_FORMAT, tool: 'corestore-ts', source: sourceId, sourceFolder: source, complete: false, cores: {} }
  manifest.complete = false

  let store: Store7 | null = null
  try {
    // Corestore 7 empties a folder it does not recognise as its own store: the manifest goes in after.
    store = new stack.Corestore(destination)
    await write(destination, async () => await (store as Store7).ready())
    await write(destination, async () => await writeManifest(destination, manifest))
    const writing = progressOf('write', planned, opts.onprogress)
    for (const core of planned) {
      if (core.drive !== null) continue
      const keyHex = toHex(core.stored.publicKey)
      const done = manifest.cores[keyHex]
      const copy = store.get({ key: core.stored.publicKey, keyPair: core.keyPair })
      try {
        await copy.ready()
        if (!copy.key.equals(core.stored.publicKey) || !copy.writable) throw EXPORT_CONFLICT(keyHex, 'the new store does not open it writable under its own key')
        if (copy.length > core.blocks) throw EXPORT_CONFLICT(keyHex, `it holds ${copy.length} blocks, the source ${core.blocks}`)
        const resumeAt = copy.length
        if (done !== undefined && done.blocks === core.blocks && resumeAt === core.blocks) {
          await checkTreeHash(copy, core, keyHex, 'an earlier run of this export wrote other blocks')
          report.cores.push(exported(core, 'already-exported'))
          writing.skip(core)
          continue
        }
        // What an earlier run wrote must be the start of these blocks: its tree hash is checked once
        // the blocks read reach its length, before one is appended (only those blocks are hashed).
        const prefix = new TreeHash11(stack.hypercoreCrypto)
        await readVerified(core.folder, core.stored.publicKey, core.blocks, async (batch, first) => {
          for (const block of batch.slice(0, Math.max(0, resumeAt - first))) {
            prefix.add(block)
            if (prefix.length === resumeAt && !(await copy.treeHash(resumeAt)).equals(prefix.hash())) throw EXPORT_CONFLICT(keyHex, `its first ${resumeAt} blocks are not the source's`)
          }
          const fresh = first + batch.length <= resumeAt ? [] : batch.slice(Math.max(0, resumeAt - first))
          if (fresh.length > 0) await write(destination, async () => await copy.append(fresh))
          writing.blocks(batch)
        })
        if (copy.length !== core.blocks) throw EXPORT_CONFLICT(keyHex, `it holds ${copy.length} blocks after the copy, expected ${core.blocks}`)
        await checkTreeHash(copy, core, keyHex, 'the new store does not hold the blocks that were read')
      } finally {
        await copy.close()
      }
      manifest.cores[keyHex] = { blocks: core.blocks }
      await write(destination, async () => await writeManifest(destination, manifest))
      report.cores.push(exported(core, 'exported'))
      report.blocks += core.blocks
      report.bytes += core.bytes
      writing.coreDone()
    }
    for (const core of planned) {
      if (core.drive === null) continue
      const drive = core.drive
      const written = await write(destination, async () => await writeV13Drive(stack, store as Store7, core.keyPair, drive))
      ;(manifest.drives ??= {})[toHex(core.stored.publicKey)] = { files: written.files }
      await write(destination, async () => await writeManifest(destination, manifest))
      report.cores.push(exported(core, 'drive'))
      report.drives.push({ key: toHex(drive.metadataKey), contentKey: toHex(drive.contentKey), files: written.files, skipped: written.skipped.map(entry => ({ path: entry.path, why: SKIPPED[entry.why] ?? entry.why })), history: Math.max(0, drive.history - 1) })
      writing.coreDone()
    }
    manifest.complete = true
    await write(destination, async () => await writeManifest(destination, manifest))
  } finally {
    await store?.close().catch(() => {})
  }
  report.elapsedMs = Date.now() - started
  return report
}

const SKIPPED: Record<string, string> = {
  mount: 'a mount: mounts do not carry over (export the mounted drive, and mount it again in Hyperdrive 13)',
  'below-mount': 'below a mount: it belongs to the mounted drive',
  hidden: 'a hidden record (such as a tag): tags and checkouts do not carry over',
  'unsupported-type': 'neither a file nor a symlink',
  undecodable: 'its stat does not decode',
  'invalid-path': 'its path is not one Hyperdrive 13 takes',
  'content-missing': 'its content blocks were never stored here (or were cleared): fetch the file from a peer of the old drive'
}

/**
 * Marks the planned cores that are Hyperdrive v10 metadata cores whose content core is exported too:
 * they are converted (writeV13Drive) instead of copied. A drive whose content core does not carry
 * over is copied as a plain core, and the report says why.
 */
async function findDrives (stack: ExportStack, planned: Planned[], report: ExportReport): Promise<void> {
  const byKey = new Map(planned.map(core => [toHex(core.stored.publicKey), core]))
  for (const core of planned) {
    // A metadata core with blocks never stored cannot be read to its end: it is copied as it is.
    if (core.blocks === 0 || core.blocks < core.stored.length) continue
    const feed = new Feed(overlayStorage(core.folder), core.stored.publicKey, { createIfMissing: false, sparse: true }) as unknown as V10Feed & { close (cb: (err: Error | null) => void): void }
    try {
      const drive = await readV10Drive(stack, feed)
      if (drive === null) continue
      if (drive.history > core.blocks) throw EXPORT_CONFLICT(toHex(core.stored.publicKey), 'the drive reads past the blocks the export verified')
      const content = byKey.get(toHex(drive.contentKey))
      if (content === undefined) {
        report.partial.push({ key: toHex(core.stored.publicKey), discoveryKey: toHex(core.stored.discoveryKey), length: core.blocks, copiedBlocks: core.blocks, why: `a Hyperdrive v10 drive whose content core ${toHex(drive.contentKey)} is not exported (the folder cannot sign for it): copied as a plain core, not converted` })
        continue
      }
      // Files whose blocks lie past the content core's first missing block do not carry over.
      if (content.blocks < content.stored.length) {
        const missing = drive.entries.filter(entry => entry.blob !== null && entry.blob.blockOffset + entry.blob.blockLength > content.blocks)
        drive.entries = drive.entries.filter(entry => !missing.includes(entry))
        drive.skipped.push(...missing.map(entry => ({ path: entry.path, why: 'content-missing' as const })))
      }
      core.drive = drive
    } finally {
      await new Promise<void>(resolve => feed.close(() => resolve()))
    }
  }
}

/** The new store's tree hash of the core equals the one the source's blocks give. */
async function checkTreeHash (copy: Core7, core: Planned, keyHex: string, why: string): Promise<void> {
  if (core.blocks === 0) return
  if (core.treeHash === null || !(await copy.treeHash(core.blocks)).equals(core.treeHash)) throw EXPORT_CONFLICT(keyHex, why)
}

function exported (core: Planned, status: ExportedCore['status']): ExportedCore {
  return {
    key: toHex(core.stored.publicKey),
    discoveryKey: toHex(core.stored.discoveryKey),
    name: core.stored.name,
    blocks: core.blocks,
    bytes: core.bytes,
    status
  }
}

/** The key pair a writable core signs with, checked against its public key before a block is written. */
async function keyPairOf (stored: StoredCore, folder: string, masterKey: Buffer | null): Promise<KeyPair> {
  const keyHex = toHex(stored.publicKey)
  let keyPair: KeyPair | null = null
  if (stored.writableBecause === 'name' && masterKey !== null && stored.nameHex !== null) {
    keyPair = deriveKeyPair(masterKey, Buffer.from(stored.nameHex, 'hex'))
  } else if (stored.writableBecause === 'secret_key') {
    const secretKey = await readFilePrefix(path.join(folder, 'secret_key'), SECRET_KEY_BYTES)
    if (secretKey !== null) keyPair = { publicKey: publicKeyOf(secretKey), secretKey }
  }
  if (keyPair === null || !keyPair.publicKey.equals(stored.publicKey) || !discoveryKey(keyPair.publicKey).equals(stored.discoveryKey)) {
    throw KEY_MISMATCH(toHex(stored.discoveryKey), `the key pair the folder gives for core ${keyHex} does not belong to it`)
  }
  return keyPair
}

/**
 * Whether `destination` may be written: missing or empty (null), or a previous export of the same
 * source (its manifest). Anything else is refused before a byte is read or written.
 */
async function checkDestination (destination: string, sourceId: string): Promise<Manifest | null> {
  let entries: string[]
  try {
    const stat = await fs.promises.stat(destination)
    if (!stat.isDirectory()) throw EXPORT_DESTINATION_NOT_EMPTY(destination, 'it is a file')
    entries = await fs.promises.readdir(destination)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  if (entries.length === 0) return null
  if (entries.includes(MANIFEST_FILE)) {
    let manifest: Manifest
    try {
      manifest = JSON.parse(await fs.promises.readFile(path.join(destination, MANIFEST_FILE), 'utf8')) as Manifest
    } catch {
      throw EXPORT_DESTINATION_NOT_EMPTY(destination, `its ${MANIFEST_FILE} is not an export manifest`)
    }
    if (manifest.tool !== 'corestore-ts' || manifest.format !== MANIFEST_FORMAT || typeof manifest.cores !== 'object') throw EXPORT_DESTINATION_NOT_EMPTY(destination, `its ${MANIFEST_FILE} is not an export manifest`)
    if (manifest.source !== sourceId) throw EXPORT_DESTINATION_NOT_EMPTY(destination, `it holds the export of another store (${manifest.sourceFolder})`)
    return manifest
  }
  if (entries.includes(MASTER_KEY_FILE) || entries.some(name => /^[0-9a-f]{2}$/.test(name))) throw EXPORT_DESTINATION_IS_A_STORE(destination, 'it is a corestore@5 store folder')
  if (entries.includes('CORESTORE') || entries.includes('db')) throw EXPORT_DESTINATION_IS_A_STORE(destination, 'it holds a Corestore 7 store that is not an export of this source')
  throw EXPORT_DESTINATION_NOT_EMPTY(destination, `it is not empty (${entries.length} entries) and not an export of this source`)
}

/** Writes the manifest whole or not at all: a temporary file renamed into place. */
async function writeManifest (destination: string, manifest: Manifest): Promise<void> {
  const file = path.join(destination, MANIFEST_FILE)
  const temporary = `${file}.${process.pid}.tmp`
  const handle = await fs.promises.open(temporary, 'w')
  try {
    await handle.writeFile(JSON.stringify(manifest, null, 2) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await fs.promises.rename(temporary, file)
}

/** Runs a write to the destination; its failure (a full disk) becomes EXPORT_WRITE_FAILED. */
async function write<T> (destination: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof CorestoreError) throw err
    throw EXPORT_WRITE_FAILED(destination, err as Error)
  }
}

function isInside (child: string, parent: string): boolean {
  const relative = path.relative(parent, child)
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))
}

/** Counts a phase's progress and reports it at most every 250 ms (and at each core's end). */
function progressOf (phase: ExportProgress['phase'], planned: Planned[], onprogress?: (progress: ExportProgress) => void): { blocks: (batch: Buffer[]) => void, coreDone: () => void, skip: (core: Planned) => void } {
  const started = Date.now()
  const state: ExportProgress = {
    phase,
    cores: 0,
    totalCores: planned.length,
    blocks: 0,
    totalBlocks: planned.reduce((sum, core) => sum + core.blocks, 0),
    bytes: 0,
    totalBytes: planned.reduce((sum, core) => sum + core.bytes, 0),
    elapsedMs: 0
  }
  let last = 0
  const emit = (force: boolean): void => {
    const now = Date.now()
    if (onprogress === undefined || (!force && now - last < 250)) return
    last = now
    onprogress({ ...state, elapsedMs: now - started })
  }
  return {
    blocks (batch) {
      state.blocks += batch.length
      for (const block of batch) state.bytes += block.length
      emit(false)
    },
    coreDone () {
      state.cores++
      emit(true)
    },
    skip (core) {
      state.blocks += core.blocks
      state.bytes += core.bytes
      state.cores++
      emit(true)
    }
  }
}

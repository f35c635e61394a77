// The new stack the export writes with, from the companion package `corestore-ts-export` (in this
// repository, packages/export): Corestore 7 and Hyperbee, and the Hyperdrive v10 formats the export
// reads. It is a package of its own so that a user who never exports never installs RocksDB, and so
// that its `corestore` (7) never meets the `corestore` an app aliased to corestore-ts.
import { DEPENDENCY_MISSING } from '../errors'

export const STACK_PACKAGE = 'corestore-ts-export'

/** A Hypercore 11 core, as the export uses it. */
export interface Core7 {
  readonly key: Buffer
  readonly discoveryKey: Buffer
  readonly length: number
  readonly writable: boolean
  ready (): Promise<void>
  append (blocks: Buffer[]): Promise<unknown>
  get (index: number): Promise<Buffer | null>
  /** The Merkle tree hash of the first `length` blocks (default: all). */
  treeHash (length?: number): Promise<Buffer>
  close (): Promise<void>
}

/** A Corestore 7 store. */
export interface Store7 {
  ready (): Promise<void>
  get (opts: { key: Buffer, keyPair?: { publicKey: Buffer, secretKey: Buffer } }): Core7
  close (): Promise<void>
}

export interface ExportStack {
  Corestore: new (storage: string) => Store7
  /** Hyperbee over any Hypercore 11 core (drives.ts says which members of it it uses). */
  Hyperbee: new (core: unknown, opts: Record<string, unknown>) => unknown
  SubEncoder: new (prefix: string, encoding: string) => { encode (key: string): Buffer }
  hypertrie: (storage: null, key: null, opts: Record<string, unknown>) => unknown
  hyperdriveSchemas: { Stat: { decode (buf: Buffer): unknown } }
  hypercoreCrypto: import('./tree11').Crypto11
  versions: { corestore: string, hypercore: string, hyperbee: string, hypercoreCrypto: string }
}

/** Loads the companion package, or says what to install. */
export function loadExportStack (): ExportStack {
  try {
    return require(STACK_PACKAGE) as ExportStack
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((err as Error).message).includes(STACK_PACKAGE)) throw err
    throw DEPENDENCY_MISSING(`The export writes Corestore 7 stores with the packages of ${STACK_PACKAGE}, which is not installed: run \`npm install ${STACK_PACKAGE}\` next to corestore-ts (it brings corestore@7, hyperbee and RocksDB's prebuilt binary)`)
  }
}

// First, before anything loads hypercore-protocol: see noise-compat.ts.
import './noise-first'
import { Corestore } from './corestore'
import * as errors from './errors'
import * as disk from './disk'

// eslint-disable-next-line @typescript-eslint/no-redeclare -- a class merged with a namespace of its types
namespace Corestore {
  export type Options = import('./corestore').CorestoreOptions
  export type GetOptions = import('./corestore').GetOptions
  export type SessionOptions = import('./corestore').SessionOptions
  export type ReplicationOptions = import('./replication').ReplicationOptions
  export type Core = import('./core').Core
  export type KeyPair = import('./keys').KeyPair
  export type StorageFunction = import('./storage').StorageFunction
  export type CorestoreError = errors.CorestoreError
}

Object.defineProperty(Corestore, 'errors', { value: errors, enumerable: false })
// Read-only inspection of store folders, as the CLI's inspect uses it.
Object.defineProperty(Corestore, 'listStoredCores', { value: disk.listStoredCores, enumerable: false })
Object.defineProperty(Corestore, 'describeStoredCore', { value: disk.describeStoredCore, enumerable: false })
Object.defineProperty(Corestore, 'inspectStoreFolder', { value: disk.inspectStoreFolder, enumerable: false })

export = Corestore

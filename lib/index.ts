// The package entry: `require('corestore-ts')` is the Corestore class itself (as corestore@5 was), with
// the errors, key helpers and read-only folder inspection as statics (declared in corestore.ts).
// The declarations of the untyped dependencies the emitted .d.ts files import ship in types/: these
// references keep them in every consumer's program (preserve: tsc drops references it did not need).
/// <reference types="node" preserve="true" />
/// <reference path="../types/random-access-storage/index.d.ts" preserve="true" />
/// <reference path="../types/hypercore-protocol/index.d.ts" preserve="true" />
/// <reference path="../types/hypercore/index.d.ts" preserve="true" />
import { Corestore } from './corestore'
import * as errors from './errors'
import { describeStoredCore, inspectStoreFolder, listStoredCores } from './storage/inspect'
import { discoveryKey, parseKey, toZ32 } from './keys'
import { readStoredMasterKey } from './storage/master-key'

Object.assign(Corestore, {
  errors,
  CorestoreError: errors.CorestoreError,
  listStoredCores,
  describeStoredCore,
  inspectStoreFolder,
  readStoredMasterKey: (directory: string) => readStoredMasterKey(directory),
  parseKey,
  discoveryKey,
  toZ32,
  // The export and what it loads (Corestore 7's stack) only on first use.
  exportStore: async (...args: Parameters<typeof import('./export').exportStore>) => await (require('./export') as typeof import('./export')).exportStore(...args)
})

export = Corestore

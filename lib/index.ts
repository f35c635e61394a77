// The package entry: `require('corestore-ts')` is the Corestore class itself (as corestore@5 was), with
// the errors, key helpers and read-only folder inspection as statics (declared in corestore.ts).
import { Corestore } from './corestore'
import * as errors from './errors'
import { describeStoredCore, inspectStoreFolder, listStoredCores } from './inspect'
import { discoveryKey, parseKey, toZ32 } from './keys'
import { readStoredMasterKey } from './master-key'

Object.assign(Corestore, {
  errors,
  CorestoreError: errors.CorestoreError,
  listStoredCores,
  describeStoredCore,
  inspectStoreFolder,
  readStoredMasterKey: (directory: string) => readStoredMasterKey(directory),
  parseKey,
  discoveryKey,
  toZ32
})

export = Corestore

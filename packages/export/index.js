'use strict'
// The packages corestore-ts's export needs beyond its own: the new stack it writes (Corestore 7,
// Hyperbee) and the Hyperdrive v10 formats it reads (hypertrie@5, hyperdrive-schemas@2), resolved
// from this package's dependencies so that they never meet the `corestore` an app aliased to
// corestore-ts, and installed only by those who export.
const path = require('path')

function versionOf (name, from) {
  const main = require.resolve(name, from === undefined ? undefined : { paths: [path.dirname(require.resolve(from))] })
  let dir = path.dirname(main)
  while (!require('fs').existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir)
  return require(path.join(dir, 'package.json')).version
}

module.exports = {
  Corestore: require('corestore'),
  Hyperbee: require('hyperbee'),
  // Hypercore 11's hashes (lengths little-endian), to check what the new store holds.
  hypercoreCrypto: require('hypercore-crypto'),
  SubEncoder: require('sub-encoder'),
  hypertrie: require('hypertrie'),
  hyperdriveSchemas: require('hyperdrive-schemas'),
  versions: {
    corestore: versionOf('corestore'),
    hypercore: versionOf('hypercore', 'corestore'),
    hyperbee: versionOf('hyperbee'),
    hypercoreCrypto: versionOf('hypercore-crypto')
  }
}

import neostandard from 'neostandard'

/*
 * The rooms of lib/ and the arrows between them, enforced (the README's "Where things live" says the
 * same in words). Type-only imports are free: they vanish at run time. These rules are about what a
 * module may load:
 *   bin → the entries (lib, lib/swarm) only
 *   the store (corestore.ts, view.ts) → root, keys, errors, promises; legacy/ only on first use
 *   root → cache, core, serving, replication, pending names, core options, exclusive, storage (its face)
 *   serving → cache (through the root's host object); never storage, never replication's streams
 *   replication → hypercore9; never storage, the store, the root or the cache
 *   core, exclusive → hypercore9; never the store, the root, the cache or storage
 *   legacy/ → root, core, view, keys: it wraps the root and is never imported by it
 *   hypercore9/ → storage's file formats and helpers, keys, errors, log; never the store's modules
 *   storage/ → keys, errors; no network, no hypercore, no store
 *   export/ → storage, hypercore9 (its face), keys, errors; never the store's modules. Only it
 *     loads the companion package (corestore-ts-export), and only the entry loads it, on first use
 *   cache, pending names, errors, promises, log: leaves
 * hypercore and hypercore-protocol load only in lib/hypercore9/load.ts, after its fixes.
 */
const NETWORK_PACKAGES = ['hypercore-protocol', 'hyperswarm', '@hyperswarm/dht', 'net', 'dgram', 'tls', 'http', 'https']
const HYPERCORE_PACKAGES = ['hypercore', 'hypercore-protocol', 'hypercore/*']

/** Import patterns for lib modules by name, at any depth (`./root`, `../root`). */
const mod = names => names.flatMap(name => [`./${name}`, `../${name}`])

const STORE = mod(['corestore', 'view', 'index'])
const ROOM = {
  root: mod(['root']),
  cache: mod(['cache']),
  core: mod(['core']),
  serving: mod(['serving']),
  replication: mod(['replication']),
  exclusive: mod(['exclusive']),
  swarm: mod(['swarm']),
  legacy: [...mod(['legacy']), './legacy/*', '../legacy/*'],
  storage: [...mod(['storage']), './storage/*', '../storage/*'],
  storageInside: ['./storage/*', '../storage/*'],
  hypercore9: [...mod(['hypercore9']), './hypercore9/*', '../hypercore9/*'],
  hypercore9Inside: ['./hypercore9/*', '../hypercore9/*'],
  keys: mod(['keys']),
  local: ['./*', '../*', '../../*']
}

/** A `no-restricted-imports` rule for some lib files: what they may not load, and why. */
function layer (files, { modules = [], exact = [], packages = [], why }) {
  const patterns = [
    { group: HYPERCORE_PACKAGES, message: 'load it through lib/hypercore9 (the boundary), which applies its fixes first', allowTypeImports: true },
    { group: ['./load-fixes', '../hypercore9/load-fixes'], message: 'only lib/hypercore9/load.ts imports it, before hypercore' }
  ]
  if (modules.length > 0) patterns.push({ group: modules, message: why, allowTypeImports: true })
  if (packages.length > 0) patterns.push({ group: packages, message: why, allowTypeImports: true })
  const paths = exact.map(name => ({ name, message: why, allowTypeImports: true }))
  return { files, rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths, patterns }] } }
}

/** hypercore@9's and hypercore-protocol@8's private members (`feed._storage`, `peer._close()`) stay in the boundary. */
const NO_UNDERSCORE_MEMBERS = {
  'no-restricted-syntax': ['error', {
    selector: 'MemberExpression[property.type="Identifier"][property.name=/^_/]',
    message: 'hypercore@9 and hypercore-protocol@8 privates are reached only inside lib/hypercore9/ (add a hook there); our own classes use #private'
  }]
}

export default [
  ...neostandard({ ts: true, ignores: ['build/**', 'build2/**', 'node_modules/**', 'coverage/**'] }),
  layer(['lib/**/*.ts'], { why: '' }),
  layer(['lib/corestore.ts', 'lib/view.ts'], {
    modules: [...ROOM.cache, ...ROOM.core, ...ROOM.exclusive, ...ROOM.replication, ...ROOM.serving, ...ROOM.swarm, ...ROOM.storage, ...ROOM.legacy, ...ROOM.hypercore9, ...mod(['index'])],
    why: 'the store talks to the root (and loads legacy/ on first use), not to its parts'
  }),
  layer(['lib/root.ts'], {
    modules: [...STORE, ...ROOM.swarm, ...ROOM.legacy, ...ROOM.storageInside, ...ROOM.hypercore9Inside],
    why: 'the root knows no view, no legacy adapter and no network helper; it reaches storage and hypercore9 through their faces'
  }),
  layer(['lib/serving.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.storage, ...ROOM.replication, ...ROOM.core, ...ROOM.legacy, ...ROOM.swarm],
    why: 'serving asks the root\'s host object, never storage or the streams'
  }),
  layer(['lib/replication.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.storage, ...ROOM.cache, ...ROOM.core, ...ROOM.serving, ...ROOM.legacy, ...ROOM.swarm, ...ROOM.hypercore9Inside],
    why: 'replication asks its CoreSource for cores, never storage or the store'
  }),
  layer(['lib/core.ts', 'lib/core-checks.ts', 'lib/exclusive.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.cache, ...ROOM.replication, ...ROOM.serving, ...ROOM.storage, ...ROOM.legacy, ...ROOM.swarm, ...ROOM.hypercore9Inside],
    why: 'a core never knows the store'
  }),
  layer(['lib/core-options.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.cache, ...ROOM.core, ...ROOM.serving, ...ROOM.storage, ...ROOM.legacy, ...ROOM.swarm, ...ROOM.hypercore9Inside],
    why: 'options are computed, not loaded'
  }),
  layer(['lib/legacy/**/*.ts'], {
    modules: [...mod(['corestore', 'index']), ...ROOM.swarm, ...ROOM.storageInside, ...ROOM.hypercore9Inside],
    why: 'the corestore@5 adapter wraps the root; it knows no public store and no network helper'
  }),
  layer(['lib/cache.ts', 'lib/pending-names.ts', 'lib/errors.ts', 'lib/promises.ts', 'lib/log.ts'], {
    modules: [...ROOM.local, '!./errors'],
    why: 'a leaf module imports nothing local (but errors)'
  }),
  layer(['lib/keys.ts'], { modules: [...ROOM.local, '!./errors'], why: 'keys import nothing local but errors' }),
  layer(['lib/hypercore9/**/*.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.cache, ...ROOM.core, ...ROOM.replication, ...ROOM.serving, ...ROOM.exclusive, ...ROOM.legacy, ...ROOM.swarm, '../storage/*', '!../storage/hypercore-files', '!../storage/files'],
    exact: ['../storage'],
    why: 'the boundary knows hypercore, storage\'s file formats and helpers, keys, errors and the logs; nothing of the store'
  }),
  layer(['lib/storage/**/*.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.cache, ...ROOM.core, ...ROOM.replication, ...ROOM.serving, ...ROOM.legacy, ...ROOM.swarm, ...ROOM.hypercore9],
    packages: NETWORK_PACKAGES,
    why: 'storage knows no network, no hypercore and no store'
  }),
  layer(['lib/export/**/*.ts'], {
    modules: [...STORE, ...ROOM.root, ...ROOM.cache, ...ROOM.core, ...ROOM.replication, ...ROOM.serving, ...ROOM.exclusive, ...ROOM.legacy, ...ROOM.swarm, ...ROOM.hypercore9Inside],
    packages: NETWORK_PACKAGES,
    why: 'the export reads a folder and writes another: storage, the hypercore9 face, keys and errors, nothing of a running store'
  }),
  { files: ['lib/export/stack.ts'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['lib/hypercore9/load.ts'], rules: { '@typescript-eslint/no-restricted-imports': 'off' } },
  { files: ['lib/**/*.ts', 'bin/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'], ignores: ['lib/hypercore9/**'], rules: NO_UNDERSCORE_MEMBERS },
  {
    files: ['bin/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/lib/*', '!**/lib/swarm'], message: 'bin uses the package entries only: lib (index) and lib/swarm' }]
      }]
    }
  }
]

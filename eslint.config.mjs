import neostandard from 'neostandard'

/*
 * The intended arrows between lib's layers, enforced. Type-only imports are free (they vanish at
 * run time); these rules are about what a module may load:
 *   bin → the entries (lib/index, lib/swarm)
 *   store (corestore.ts, view.ts) → root, keys, errors
 *   root → cache, refpool, core, storage modules, replication, exclusive, keys, errors
 *   inner (the root under corestore@5's names) → root, view parsing
 *   replication never imports storage; core (and core-state) never imports the store; keys import
 *   only errors; the lazy pager, the signature cache and the logs are leaves;
 *   storage modules know no network; hypercore and hypercore-protocol load only in lib/hypercore.ts.
 */
const STORAGE = ['storage', 'file-pool', 'lock', 'layout', 'master-key', 'key-files', 'name-codec', 'files', 'inspect']
const STORE = ['corestore', 'view', 'index']
const NETWORK_PACKAGES = ['hypercore-protocol', 'hyperswarm', '@hyperswarm/dht', 'net', 'dgram', 'tls', 'http', 'https']

const local = names => names.map(name => `./${name}`)

/** A `no-restricted-imports` rule for lib/ files: forbidden local modules and packages, plus the shared ones. */
function layer (files, { modules = [], packages = [], why }) {
  const paths = [
    ...['hypercore', 'hypercore-protocol'].map(name => ({ name, message: 'load it from ./hypercore, which applies the noise-protocol fix first', allowTypeImports: true })),
    ...packages.filter(name => !['hypercore', 'hypercore-protocol'].includes(name)).map(name => ({ name, message: why, allowTypeImports: true })),
    ...local(modules).map(name => ({ name, message: why, allowTypeImports: true })),
    { name: './patches', message: 'only lib/hypercore.ts imports it, before hypercore' }
  ]
  return { files, rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths }] } }
}

export default [
  ...neostandard({ ts: true, ignores: ['build/**', 'node_modules/**', 'coverage/**'] }),
  layer(['lib/**/*.ts'], { why: '' }),
  layer(['lib/corestore.ts', 'lib/view.ts'], {
    modules: ['cache', 'core', 'exclusive', 'replication', 'swarm', ...STORAGE, 'index'],
    why: 'the store talks to the root, not to its parts'
  }),
  layer(['lib/root.ts'], { modules: [...STORE, 'swarm'], why: 'the root knows no view and no network helper' }),
  // corestore@5's inner took a get's raw options, so its adapter parses them as the root view does.
  layer(['lib/inner.ts'], { modules: ['corestore', 'index', 'swarm'], why: 'the root knows no store and no network helper' }),
  layer(['lib/replication.ts'], { modules: [...STORAGE, ...STORE, 'root', 'cache', 'core', 'swarm'], why: 'replication asks its CoreSource for cores, never storage or the store' }),
  layer(['lib/core.ts', 'lib/core-state.ts', 'lib/exclusive.ts'], { modules: [...STORE, 'root', 'cache', 'replication', 'swarm'], why: 'a core never knows the store' }),
  layer(['lib/cache.ts', 'lib/refpool.ts', 'lib/errors.ts'], { modules: [...STORE, 'root', 'core', 'replication', 'swarm', 'keys', ...STORAGE], why: 'a leaf module imports nothing local' }),
  layer(['lib/lazy-pager.ts', 'lib/verify-cache.ts', 'lib/log.ts'], { modules: [...STORE, 'root', 'cache', 'core', 'core-state', 'replication', 'swarm', 'keys', 'hypercore', ...STORAGE], why: 'a leaf module imports nothing local' }),
  layer(['lib/keys.ts'], { modules: [...STORE, 'root', 'cache', 'core', 'replication', 'swarm', ...STORAGE, 'exclusive'], why: 'keys import nothing local but errors' }),
  layer(STORAGE.map(name => `lib/${name}.ts`), {
    modules: [...STORE, 'root', 'cache', 'core', 'replication', 'swarm', 'hypercore'],
    packages: NETWORK_PACKAGES,
    why: 'storage knows no network and no store'
  }),
  { files: ['lib/hypercore.ts'], rules: { '@typescript-eslint/no-restricted-imports': 'off' } },
  {
    files: ['bin/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/lib/*', '!**/lib/swarm'], message: 'bin uses the package entries only: lib (index) and lib/swarm' }]
      }]
    }
  }
]

import path = require('path')

/*
 * noise-protocol@3.0.2, inside the ^3.0.1 range that simple-hypercore-protocol and simple-handshake
 * accept, turned its submodules into factories and moved to sodium-universal@4: every
 * hypercore-protocol@8 handshake fails (`Buffer.alloc(undefined)`), and even with the old shape its
 * buffers would be freed by sodium-native@3 (a crash). A library cannot override a nested dependency
 * for its users, so this package depends on noise-protocol@3.0.1 itself and makes each other copy in
 * reach *be* 3.0.1: files not loaded yet resolve to 3.0.1's modules; files already loaded (someone
 * required hypercore-protocol first) get 3.0.1's exports written onto their module objects, which
 * their users read at call time.
 */

const FILES = ['index.js', 'dh.js', 'hash.js', 'cipher.js', 'cipher-state.js', 'symmetric-state.js', 'handshake-state.js']

const CONSUMERS = [
  ['hypercore-protocol', 'simple-hypercore-protocol', 'simple-handshake'],
  ['hypercore', 'hypercore-protocol', 'simple-hypercore-protocol', 'simple-handshake']
]

export interface NoisePatchResult {
  /** The noise-protocol@3.0.1 copy everything now uses. */
  source: string
  /** Other copies that were redirected to it. */
  redirected: string[]
}

/** Makes every noise-protocol copy that hypercore-protocol@8 can load use noise-protocol@3.0.1. */
export function patchNoiseProtocol (from: string = __dirname): NoisePatchResult {
  const source = packageDir('noise-protocol', __dirname)
  if (source === null) throw new Error('corestore-ts: its dependency noise-protocol@3.0.1 is missing; reinstall corestore-ts')
  const redirected: string[] = []
  for (const dir of findNoiseCopies(from)) {
    if (dir === source) continue
    for (const file of FILES) redirect(path.join(dir, file), path.join(source, file))
    redirected.push(dir)
  }
  return { source, redirected }
}

/** The noise-protocol folders that simple-hypercore-protocol and simple-handshake resolve. */
export function findNoiseCopies (from: string = __dirname): Set<string> {
  const found = new Set<string>()
  for (const chain of CONSUMERS) {
    let dir: string | null = from
    for (const pkg of chain) {
      if (dir === null) break
      dir = packageDir(pkg, dir)
      if (dir !== null) {
        const noise = packageDir('noise-protocol', dir)
        if (noise !== null) found.add(noise)
      }
    }
  }
  return found
}

function packageDir (name: string, from: string): string | null {
  try {
    return path.dirname(require.resolve(name + '/package.json', { paths: [from] }))
  } catch {
    return null
  }
}

function redirect (target: string, good: string): void {
  require(good)
  const goodModule = require.cache[good]
  if (goodModule === undefined) return
  const loaded = require.cache[target]
  if (loaded === undefined) {
    require.cache[target] = goodModule
    return
  }
  if (loaded === goodModule) return
  const exports = loaded.exports as Record<string, unknown>
  for (const [key, value] of Object.entries(goodModule.exports as Record<string, unknown>)) {
    Object.defineProperty(exports, key, { value, writable: true, configurable: true, enumerable: true })
  }
}

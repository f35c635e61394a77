import { DEPENDENCY_MISSING } from '../errors'
import path = require('path')

/*
 * noise-protocol@3.0.2, inside the ^3.0.1 range that simple-hypercore-protocol and simple-handshake
 * accept, turned its submodules into factories (every hypercore-protocol@8 handshake fails with
 * `Buffer.alloc(undefined)`) and moved to sodium-universal@4 (its buffers crash when
 * hypercore-crypto frees them with sodium-native@3). A library cannot override a nested dependency
 * for its users, so this package depends on noise-protocol@3.0.1 and, when loaded:
 * - points every other copy's files in require.cache at 3.0.1's modules, so whatever loads them
 *   from now on gets 3.0.1;
 * - when simple-hypercore-protocol was already loaded against another copy (Hyperdrive v10 loads
 *   hypercore-protocol before corestore), loads it afresh against 3.0.1 and moves the fresh class's
 *   methods onto the loaded one. Its constructor holds no noise state: the handshake is created in
 *   a method (`_onkeypair`) and by the static `keyPair`, so every later handshake uses 3.0.1.
 */

const NOISE_FILES = ['index.js', 'dh.js', 'hash.js', 'cipher.js', 'cipher-state.js', 'symmetric-state.js', 'handshake-state.js']

export interface NoisePatchResult {
  /** The noise-protocol@3.0.1 copy everything now uses. */
  source: string
  /** Other copies whose files now resolve to it. */
  redirected: string[]
  /** simple-hypercore-protocol copies that were already loaded and were given 3.0.1 methods. */
  regrafted: string[]
}

/** Makes every noise-protocol copy that hypercore-protocol@8 can load use noise-protocol@3.0.1. */
export function patchNoiseProtocol (from: string = __dirname): NoisePatchResult {
  const source = packageDir('noise-protocol', __dirname)
  if (source === null) throw DEPENDENCY_MISSING('corestore-ts: its dependency noise-protocol@3.0.1 is missing; reinstall corestore-ts')
  const result: NoisePatchResult = { source, redirected: [], regrafted: [] }

  for (const { shp, noise } of findConsumers(from)) {
    if (noise !== source && !result.redirected.includes(noise)) {
      for (const file of NOISE_FILES) redirect(path.join(noise, file), path.join(source, file))
      result.redirected.push(noise)
    }
    if (noise !== source && regraft(shp)) result.regrafted.push(shp)
  }
  return result
}

/** simple-hypercore-protocol copies in reach, with the noise-protocol folder each resolves. */
export function findConsumers (from: string = __dirname): Array<{ shp: string, noise: string }> {
  const found = new Map<string, string>()
  const chains = [['hypercore-protocol'], ['hypercore', 'hypercore-protocol']]
  for (const chain of chains) {
    let dir: string | null = from
    for (const pkg of chain) dir = dir === null ? null : packageDir(pkg, dir)
    const shp = dir === null ? null : packageDir('simple-hypercore-protocol', dir)
    if (shp === null) continue
    const noise = packageDir('noise-protocol', shp)
    if (noise !== null) found.set(shp, noise)
    const handshake = packageDir('simple-handshake', shp)
    const handshakeNoise = handshake === null ? null : packageDir('noise-protocol', handshake)
    if (handshakeNoise !== null && handshakeNoise !== noise) found.set(`${shp}\u0000handshake`, handshakeNoise)
  }
  return [...found].map(([shp, noise]) => ({ shp: shp.split('\u0000')[0] as string, noise }))
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
  if (goodModule !== undefined) require.cache[target] = goodModule
}

/** Gives an already loaded simple-hypercore-protocol the methods of a copy loaded against 3.0.1. */
function regraft (shpDir: string): boolean {
  const index = path.join(shpDir, 'index.js')
  const loaded = require.cache[index]
  if (loaded === undefined) return false
  const handshakeDir = packageDir('simple-handshake', shpDir)
  const stale = [index, path.join(shpDir, 'lib', 'handshake.js')]
  if (handshakeDir !== null) stale.push(path.join(handshakeDir, 'index.js'))
  const saved = stale.map(file => require.cache[file])
  for (const file of stale) delete require.cache[file]
  let fresh: unknown
  try {
    fresh = require(index)
  } finally {
    // Everyone else keeps the module object they know; only its class gains the new methods.
    stale.forEach((file, i) => { require.cache[file] = saved[i] })
  }
  type Klass = ((...args: unknown[]) => unknown) & { prototype: object }
  const oldClass = loaded.exports as Klass
  const newClass = fresh as Klass
  if (typeof oldClass !== 'function' || typeof newClass !== 'function' || oldClass === newClass) return false
  for (const name of Object.getOwnPropertyNames(newClass.prototype)) {
    if (name === 'constructor') continue
    Object.defineProperty(oldClass.prototype, name, Object.getOwnPropertyDescriptor(newClass.prototype, name) as PropertyDescriptor)
  }
  for (const name of Object.getOwnPropertyNames(newClass)) {
    if (name === 'prototype' || name === 'length' || name === 'name') continue
    Object.defineProperty(oldClass, name, Object.getOwnPropertyDescriptor(newClass, name) as PropertyDescriptor)
  }
  return true
}

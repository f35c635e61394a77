// The fixes that must run before hypercore@9 and hypercore-protocol@8 load: the noise-protocol redirect
// (noise-compat.ts) and the lazy pager (lazy-pager.ts). Only load.ts imports this module, first.
import path = require('path')
import { createPager } from './lazy-pager'
import { patchNoiseProtocol } from './noise-compat'

/** The noise-protocol fix (see noise-compat.ts). */
export const noisePatch = patchNoiseProtocol()

/** What the lazy pager replaced: the memory-pager copies hypercore@9 loads, or why it could not. */
export interface PagerPatch {
  /** The memory-pager files now served by the lazy pager. */
  readonly replaced: readonly string[]
  /** Modules that had already captured the original (hypercore loaded before this package): they keep it. */
  readonly alreadyLoaded: readonly string[]
}

/**
 * Serves every memory-pager@1 that hypercore@9 and its sparse-bitfield load with the lazy pager (about
 * 0.5 MB less per core). A module that loaded memory-pager before (hypercore required before this
 * package) keeps the original, which works as it always did.
 */
function patchMemoryPager (): PagerPatch {
  const replaced: string[] = []
  const alreadyLoaded: string[] = []
  for (const from of ['hypercore', 'sparse-bitfield']) {
    let file: string
    try {
      const dir = path.dirname(require.resolve(`${from}/package.json`, { paths: [path.dirname(require.resolve('hypercore/package.json'))] }))
      file = require.resolve('memory-pager', { paths: [dir] })
    } catch {
      continue
    }
    const user = from === 'hypercore' ? 'hypercore/lib/bitfield' : 'sparse-bitfield'
    if (isLoaded(user)) alreadyLoaded.push(user)
    if (replaced.includes(file)) continue
    // Load the real module once, so that its cache entry exists, then swap what later requires get.
    require(file)
    const cached = require.cache[file]
    if (cached === undefined) continue
    cached.exports = createPager
    replaced.push(file)
  }
  return { replaced, alreadyLoaded }
}

/** Whether a module (resolved from hypercore's folder) is loaded already. */
function isLoaded (name: string): boolean {
  try {
    return require.cache[require.resolve(name, { paths: [path.dirname(require.resolve('hypercore/package.json'))] })] !== undefined
  } catch {
    return false
  }
}

export const pagerPatch = patchMemoryPager()

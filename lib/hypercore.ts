// The one module that loads hypercore@9 and hypercore-protocol@8: every other module imports them from
// here (eslint enforces it), so the noise-protocol fix has always run before either is loaded.
import { noisePatch, pagerPatch } from './patches'
import Feed = require('hypercore')
import ProtocolStream = require('hypercore-protocol')
import bitfieldModule = require('hypercore/lib/bitfield')
import treeIndexModule = require('hypercore/lib/tree-index')
import { patchesLog } from './log'

patchesLog('noise-protocol: every copy uses %s; redirected %o; regrafted %o', noisePatch.source, noisePatch.redirected, noisePatch.regrafted)
patchesLog('memory-pager: lazy pager for %o; already loaded, left as they were: %o', pagerPatch.replaced, pagerPatch.alreadyLoaded)

/** hypercore@9's bitfield (lib/bitfield.js), as lib/core-state.ts rebuilds it from disk. */
export interface HypercoreBitfield {
  readonly pages: { readonly pageSize: number, readonly updates: unknown[] }
  readonly tree: unknown
  get (index: number): boolean
  set (index: number, value: boolean): boolean
}

/** hypercore@9's tree index (lib/tree-index.js). */
export interface HypercoreTreeIndex {
  blocks (): number
}

// Typed here, so the emitted declarations never name hypercore's internal modules.
export const createBitfield: (pageSize: number, pages: Buffer[]) => HypercoreBitfield = bitfieldModule
export const createTreeIndex: (bits: unknown) => HypercoreTreeIndex = treeIndexModule

export { Feed, ProtocolStream, noisePatch, pagerPatch }

// The one module that loads hypercore@9 and hypercore-protocol@8 (eslint enforces it), after the fixes
// of load-fixes.ts, which it imports first. The rest of the boundary takes both from here.
import { noisePatch, pagerPatch } from './load-fixes'
import { patchesLog } from '../log'
import Feed = require('hypercore')
import ProtocolStream = require('hypercore-protocol')
import bitfieldModule = require('hypercore/lib/bitfield')
import treeIndexModule = require('hypercore/lib/tree-index')

patchesLog('noise-protocol: every copy uses %s; redirected %o; regrafted %o', noisePatch.source, noisePatch.redirected, noisePatch.regrafted)
patchesLog('memory-pager: lazy pager for %o; already loaded, left as they were: %o', pagerPatch.replaced, pagerPatch.alreadyLoaded)

/** hypercore@9's bitfield (lib/bitfield.js), as a failed write's recovery rebuilds it from disk. */
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

// The one module that loads hypercore@9 and hypercore-protocol@8: every other module imports them from
// here (eslint enforces it), so the noise-protocol fix has always run before either is loaded.
import { noisePatch, pagerPatch } from './patches'
import Feed = require('hypercore')
import ProtocolStream = require('hypercore-protocol')
import createBitfield = require('hypercore/lib/bitfield')
import createTreeIndex = require('hypercore/lib/tree-index')
import { patchesLog } from './log'

patchesLog('noise-protocol: every copy uses %s; redirected %o; regrafted %o', noisePatch.source, noisePatch.redirected, noisePatch.regrafted)
patchesLog('memory-pager: lazy pager for %o; already loaded, left as they were: %o', pagerPatch.replaced, pagerPatch.alreadyLoaded)

export { Feed, ProtocolStream, noisePatch, pagerPatch, createBitfield, createTreeIndex }

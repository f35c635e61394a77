// The boundary around hypercore@9 and hypercore-protocol@8. The rest of the store reaches them only
// through what this module exports: the packages (loaded after their fixes), the feed that reports
// through hooks, and the peer and channel operations the store needs. Nothing outside this folder
// touches their `_` members or prototypes (eslint enforces it).
export { Feed, ProtocolStream, noisePatch, pagerPatch } from './load'
export { codeHypercoreError } from './errors'
export { HookedFeed } from './feed'
export type { Codec, FeedFiles, FeedHooks } from './feed'
export {
  HYPERCORE_MAX_REQUESTS,
  afterHandshake,
  channelPeer,
  closeIdleChannels,
  openedLocally,
  peerStream,
  releaseRequests,
  replicatesOver,
  requestBudget,
  requestsInFlight,
  sendRequests,
  setRequestBudget,
  streamChannels
} from './peers'
export type { Peer } from './peers'
export { rememberingCrypto } from './verify-cache'

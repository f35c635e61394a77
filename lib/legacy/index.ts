// The corestore@5 surface that its clients reached without asking (`store.inner`, the refpool
// `store.cache`, cores adopted from outside), built on first use over a store root. The public
// Corestore loads this module only when a client reaches for that surface.
import type { StoreRoot } from '../root'
import { InnerCorestore } from './inner'

export { InnerCorestore } from './inner'
export type { GeneratedKeys } from './inner'
export { RefPool } from './refpool'
export type { RefPoolEntry } from './refpool'

/** One adapter per root: every view of a store shares it, as corestore@5's views shared their inner. */
const adapters = new WeakMap<StoreRoot, InnerCorestore>()

/** The `inner` of the store `root` belongs to, made on first use. */
export function innerOf (root: StoreRoot): InnerCorestore {
  let inner = adapters.get(root)
  if (inner === undefined) {
    inner = new InnerCorestore(root)
    adapters.set(root, inner)
  }
  return inner
}

/** The root behind an `inner` (corestore@5 made namespaces as `new Corestore(storage, { inner })`), or null. */
export function rootOfInner (value: unknown): StoreRoot | null {
  return value instanceof InnerCorestore ? InnerCorestore.rootOf(value) : null
}

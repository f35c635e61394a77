declare module 'flat-tree' {
  /** The flat-tree indexes of the roots of the full subtrees left of `index` (for 2 * n: the roots that cover n leaves). */
  export function fullRoots (index: number, result?: number[]): number[]
  /** The index of the node next to `index` under the same parent. */
  export function sibling (index: number): number
  /** The index of the parent of `index`. */
  export function parent (index: number): number
}

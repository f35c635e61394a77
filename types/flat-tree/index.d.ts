declare module 'flat-tree' {
  /** The flat-tree indexes of the roots of the full subtrees left of `index` (for 2 * n: the roots that cover n leaves). */
  export function fullRoots (index: number, result?: number[]): number[]
}

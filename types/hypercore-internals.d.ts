// hypercore@9's own bitfield and tree index, which lib/core-state.ts rebuilds from disk after a failed write.
declare module 'hypercore/lib/bitfield' {
  function createBitfield (pageSize: number, pages: Buffer[]): createBitfield.Bitfield
  namespace createBitfield {
    interface Bitfield {
      readonly pages: { readonly pageSize: number, readonly updates: unknown[] }
      readonly tree: unknown
      get (index: number): boolean
      set (index: number, value: boolean): boolean
    }
  }
  export = createBitfield
}

declare module 'hypercore/lib/tree-index' {
  function createTreeIndex (bits: unknown): createTreeIndex.TreeIndex
  namespace createTreeIndex {
    interface TreeIndex {
      blocks (): number
    }
  }
  export = createTreeIndex
}

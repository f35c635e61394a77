/* The untimed setup the workloads share: named cores with a few blocks each. */
import { append, close, ready } from './store'
import type { BenchStore, BenchStoreConstructor } from './store'
import type { CaseParams } from './workload'

/** Cores per store while a folder is populated: corestore@5 keeps 5 files open per loaded core. */
const CORES_PER_STORE = 500

export const names = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `bench-core-${from + i}`)

function blocksFor (core: number, params: CaseParams): Buffer[] {
  return Array.from({ length: params.blocks }, (_, i) => Buffer.alloc(params.blockSize, (core * 31 + i) & 0xff))
}

/** Creates `params.cores` named cores holding `params.blocks` blocks each in an open store; returns their keys. */
export async function populate (store: BenchStore, params: CaseParams, from = 0): Promise<Buffer[]> {
  const cores = names(params.cores, from).map(name => store.get({ name }))
  await Promise.all(cores.map(async (core, i) => {
    await ready(core)
    if (params.blocks > 0) await append(core, blocksFor(from + i, params))
  }))
  return cores.map(core => core.key as Buffer)
}

/**
 * Like `populate`, in a store on `folder` that is closed afterwards, a few hundred cores at a time
 * (each time in a new store), so that ten thousand cores stay below the limit of open files.
 */
export async function populateFolder (Store: BenchStoreConstructor, folder: string, params: CaseParams): Promise<Buffer[]> {
  const keys: Buffer[] = []
  for (let from = 0; from < params.cores; from += CORES_PER_STORE) {
    const store = new Store(folder)
    await ready(store)
    keys.push(...await populate(store, { ...params, cores: Math.min(CORES_PER_STORE, params.cores - from) }, from))
    await close(store)
  }
  return keys
}

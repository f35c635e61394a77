// A drop-in for memory-pager@1 that allocates its page table as pages appear. memory-pager allocates
// `new Array(32768)` (256 KiB of slots) up front for every pager, and hypercore@9 makes several per
// core: the bitfield, `_reserved`, and one more per uploading peer. This one starts empty.

/** One page, as memory-pager hands it out (sparse-bitfield and hypercore read these fields). */
export class Page {
  offset: number
  buffer: Buffer
  updated = false
  deduplicate = 0

  constructor (index: number, buffer: Buffer) {
    this.offset = index * buffer.length
    this.buffer = buffer
  }
}

/** All-zero buffers by size, shared by every pager (only compared against, never written). */
const zeroBuffers = new Map<number, Buffer>()

function zeroBuffer (size: number): Buffer {
  let zeros = zeroBuffers.get(size)
  if (zeros === undefined) {
    zeros = Buffer.alloc(size)
    zeroBuffers.set(size, zeros)
  }
  return zeros
}

/**
 * A zeroed page. Pages under 4 KiB come from Node's shared buffer pool, as `Buffer.allocUnsafe` gives
 * them, rather than each from an ArrayBuffer of its own: a store with 100,000 loaded cores holds
 * several pages per core, and V8's work per collection grows with the number of ArrayBuffers alive.
 */
function allocPage (size: number): Buffer {
  return Buffer.allocUnsafe(size).fill(0)
}

/** Pages per chunk of the table; chunks are allocated when a page in them is. */
const CHUNK_BITS = 10
const CHUNK_SIZE = 1 << CHUNK_BITS

export interface PagerOptions {
  /** Pages equal to this buffer share it until written to (hypercore's bitfield: all ones). */
  deduplicate?: Buffer | null
}

export class LazyPager {
  length = 0
  updates: Page[] = []
  readonly pageSize: number
  readonly deduplicate: Buffer | null
  readonly zeros: Buffer | null
  readonly #chunks = new Map<number, Array<Page | undefined>>()

  constructor (pageSize?: number, opts?: PagerOptions | null) {
    this.pageSize = pageSize !== undefined && pageSize > 0 ? pageSize : 1024
    this.deduplicate = opts?.deduplicate ?? null
    this.zeros = this.deduplicate !== null ? zeroBuffer(this.deduplicate.length) : null
  }

  /** Records that a page changed, for hypercore's next bitfield flush. */
  updated (page: Page): void {
    const dedup = this.deduplicate
    if (dedup !== null) {
      while (page.buffer[page.deduplicate] === dedup[page.deduplicate]) {
        page.deduplicate++
        if (page.deduplicate === dedup.length) {
          page.deduplicate = 0
          if (page.buffer.equals(dedup)) page.buffer = dedup
          break
        }
      }
    }
    if (page.updated) return
    page.updated = true
    this.updates.push(page)
  }

  lastUpdate (): Page | null {
    const page = this.updates.pop()
    if (page === undefined) return null
    page.updated = false
    return page
  }

  /** The page at `index`; allocated (zeroed) when missing unless `noAllocate`. */
  get (index: number, noAllocate?: boolean): Page | undefined {
    const chunkIndex = Math.floor(index / CHUNK_SIZE)
    let chunk = this.#chunks.get(chunkIndex)
    let page = chunk?.[index - chunkIndex * CHUNK_SIZE]
    if (page === undefined && noAllocate !== true) {
      if (chunk === undefined) {
        chunk = []
        this.#chunks.set(chunkIndex, chunk)
      }
      page = new Page(index, allocPage(this.pageSize))
      chunk[index - chunkIndex * CHUNK_SIZE] = page
      if (index >= this.length) this.length = index + 1
    }
    if (page !== undefined && noAllocate !== true && this.deduplicate !== null && page.buffer === this.deduplicate) {
      page.buffer = Buffer.from(page.buffer)
      page.deduplicate = 0
    }
    return page
  }

  /** Puts a buffer at `index` (cut or zero-padded to a page); an all-zero or missing buffer drops the page. */
  set (index: number, buffer: Buffer | null | undefined): void {
    if (index >= this.length) this.length = index + 1
    const chunkIndex = Math.floor(index / CHUNK_SIZE)
    const slot = index - chunkIndex * CHUNK_SIZE
    const chunk = this.#chunks.get(chunkIndex)
    if (buffer === null || buffer === undefined || (this.zeros !== null && buffer.equals(this.zeros))) {
      if (chunk !== undefined) chunk[slot] = undefined
      return
    }
    let fitted = this.deduplicate !== null && buffer.equals(this.deduplicate) ? this.deduplicate : buffer
    if (fitted.length > this.pageSize) fitted = fitted.subarray(0, this.pageSize)
    else if (fitted.length < this.pageSize) {
      const padded = allocPage(this.pageSize)
      fitted.copy(padded)
      fitted = padded
    }
    let table = chunk
    if (table === undefined) {
      table = []
      this.#chunks.set(chunkIndex, table)
    }
    const page = table[slot]
    if (page !== undefined) page.buffer = fitted
    else table[slot] = new Page(index, fitted)
  }

  /** Every page from 0 to `length`, missing ones as zeros. */
  toBuffer (): Buffer {
    const empty = Buffer.alloc(this.pageSize)
    const list: Buffer[] = []
    for (let i = 0; i < this.length; i++) list.push(this.get(i, true)?.buffer ?? empty)
    return Buffer.concat(list)
  }
}

/** memory-pager's export: a function that makes a pager, with or without `new`. */
export function createPager (pageSize?: number, opts?: PagerOptions | null): LazyPager {
  return new LazyPager(pageSize, opts)
}

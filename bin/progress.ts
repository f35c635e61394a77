// The download progress `clone` shows on stderr: one line redrawn in place on a terminal, never
// wider than the terminal; plain lines now and then when stderr is a pipe or a file.
import { formatBytes } from './size'
import type { SizeFormat } from './size'

/** Where progress goes: process.stderr, or a fake stream in tests. */
export interface ProgressStream {
  write (chunk: string): unknown
  isTTY?: boolean
  /** The terminal's width, read at every redraw (a resized terminal gets narrower lines). */
  columns?: number
}

export interface ProgressInit {
  stream: ProgressStream
  /** Blocks to download up to. */
  total: number
  /** Bytes of those blocks. */
  totalBytes: number
  /** Blocks already there before this download started. */
  have: number
  /** Bytes of the blocks already there. */
  haveBytes?: number
  /** The clock, in milliseconds; injectable for tests. */
  now?: () => number
  /** Redraws the line this often (ms) even when no block arrives, so a stall shows; 0 for none. */
  tick?: number
  /** How sizes and the rate print (default: readable, `76.3 MiB`). */
  formatSize?: SizeFormat
}

/** The span the current rate is measured over: long enough to be steady, short enough to follow changes. */
const RATE_WINDOW_MS = 5000
const SAMPLE_MS = 100
/**
 * No ETA before the rate was measured over this long: the first blocks arrive after a round trip,
 * or in a burst, and dividing by their rate gave ETAs of minutes for a download of seconds.
 */
const ETA_AFTER_MS = 3000
/** At most this often on a terminal. */
const REDRAW_MS = 100
/** At most this often when not a terminal, and only when another tenth is done (or a minute passed). */
const LINE_MS = 1000
const QUIET_LINE_MS = 60_000
/** A terminal without a width: what most are. */
const DEFAULT_COLUMNS = 80
const CLEAR_TO_END = '\x1b[K'

export class Progress {
  have: number
  bytes: number
  readonly #stream: ProgressStream
  readonly #total: number
  readonly #totalBytes: number
  readonly #now: () => number
  readonly #formatSize: SizeFormat
  readonly #started: number
  readonly #startBytes: number
  /** Bytes downloaded so far at recent moments, oldest first, for the moving rate. */
  readonly #samples: Array<{ at: number, bytes: number }> = []
  #lastDraw = -Infinity
  #lastTenth: number
  #drawn = false
  #timer: NodeJS.Timeout | null = null

  constructor (init: ProgressInit) {
    this.#stream = init.stream
    this.#total = init.total
    this.#totalBytes = init.totalBytes
    this.have = init.have
    this.bytes = init.haveBytes ?? 0
    this.#startBytes = this.bytes
    this.#now = init.now ?? Date.now
    this.#formatSize = init.formatSize ?? formatBytes
    this.#started = this.#now()
    this.#samples.push({ at: this.#started, bytes: this.bytes })
    this.#lastTenth = this.#tenth()
    const tick = init.tick ?? 1000
    if (this.tty && tick > 0) {
      this.#timer = setInterval(() => this.#draw(this.#now()), tick)
      this.#timer.unref()
    }
  }

  get tty (): boolean {
    return this.#stream.isTTY === true
  }

  /** A block of `bytes` arrived. */
  block (bytes: number): void {
    this.have++
    this.bytes += bytes
    const now = this.#now()
    this.#sample(now)
    if (this.tty) {
      if (now - this.#lastDraw >= REDRAW_MS) this.#draw(now)
    } else if (now - this.#lastDraw >= LINE_MS && (this.#tenth() > this.#lastTenth || now - this.#lastDraw >= QUIET_LINE_MS)) {
      this.#draw(now)
    }
  }

  /** Stops redrawing and clears the line; what was downloaded, for the summary. */
  finish (): { blocks: number, bytes: number, ms: number } {
    this.stop()
    return { blocks: this.have, bytes: this.bytes - this.#startBytes, ms: this.#now() - this.#started }
  }

  /** Stops redrawing and clears the line (a failed download leaves no half line behind). */
  stop (): void {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    if (this.tty && this.#drawn) this.#stream.write('\r' + CLEAR_TO_END)
    this.#drawn = false
  }

  /** Bytes a second over the last few seconds (since the start while younger than that); 0 in a stall. */
  rate (now = this.#now()): number {
    this.#prune(now)
    const anchor = this.#samples[0]
    if (anchor === undefined) return 0
    const span = now - anchor.at
    return span > 0 ? (this.bytes - anchor.bytes) * 1000 / span : 0
  }

  /** The line as drawn for a terminal `columns` wide, without the control characters. */
  line (columns: number, now = this.#now()): string {
    return fit(this.#fields(now), Math.max(1, columns - 1))
  }

  /** Records a checkpoint at most every SAMPLE_MS: a few dozen per window, however fast blocks come. */
  #sample (now: number): void {
    const last = this.#samples.at(-1)
    if (last === undefined || now - last.at >= SAMPLE_MS) this.#samples.push({ at: now, bytes: this.bytes })
    this.#prune(now)
  }

  /** Drops checkpoints older than the window but the newest of them: the rate counts from it. */
  #prune (now: number): void {
    while (this.#samples.length > 1 && (this.#samples[1]?.at ?? now) <= now - RATE_WINDOW_MS) this.#samples.shift()
  }

  #draw (now: number): void {
    this.#lastDraw = now
    this.#lastTenth = this.#tenth()
    if (this.tty) {
      // One column short of the width: writing the last column makes some terminals wrap.
      this.#stream.write('\r' + this.line(this.#stream.columns ?? DEFAULT_COLUMNS, now) + CLEAR_TO_END)
      this.#drawn = true
    } else {
      const f = this.#fields(now)
      this.#stream.write(`Progress ${f.percent}: ${f.blocks} blocks, ${f.bytes}, ${f.rate}, ETA ${f.eta}\n`)
    }
  }

  #fields (now: number): Fields {
    const fraction = this.#total === 0 ? 1 : Math.min(1, this.have / this.#total)
    const rate = this.rate(now)
    const left = Math.max(0, this.#totalBytes - this.bytes)
    const size = this.#formatSize
    const eta = left === 0 ? '0s' : rate > 0 && now - this.#started >= ETA_AFTER_MS ? formatEta(left / rate) : '?'
    return {
      fraction,
      percent: `${Math.floor(fraction * 100)}%`,
      blocks: `${this.have}/${this.#total}`,
      bytes: `${size(this.bytes)}/${size(this.#totalBytes)}`,
      shortBytes: size(this.bytes),
      rate: `${size(rate)}/s`,
      eta
    }
  }

  #tenth (): number {
    return this.#total === 0 ? 10 : Math.floor(this.have * 10 / this.#total)
  }
}

export interface Fields {
  fraction: number
  percent: string
  blocks: string
  bytes: string
  shortBytes: string
  rate: string
  eta: string
}

const MIN_BAR = 10
const MAX_BAR = 30

/**
 * The most detailed line that fits `width`: every field, then fewer (the byte total, the block
 * counts, the rate go first; the percentage and ETA stay longest), with a bar in the room left.
 */
export function fit (f: Fields, width: number): string {
  const variants = [
    `${f.percent}  ${f.blocks} blocks  ${f.bytes}  ${f.rate}  ETA ${f.eta}`,
    `${f.percent} ${f.blocks} blk ${f.bytes} ${f.rate} ETA ${f.eta}`,
    `${f.percent} ${f.shortBytes} ${f.rate} ETA ${f.eta}`,
    `${f.percent} ${f.rate} ETA ${f.eta}`,
    `${f.percent} ETA ${f.eta}`,
    f.percent
  ]
  const text = variants.find(v => v.length <= width) ?? f.percent.slice(0, width)
  const room = width - text.length - 3 // `[` + bar + `] `
  if (room < MIN_BAR) return text
  const bar = Math.min(MAX_BAR, room)
  const filled = Math.round(f.fraction * bar)
  return `[${'#'.repeat(filled)}${'-'.repeat(bar - filled)}] ${text}`
}

/** Seconds as `45s`, `3m05s`, `2h03m`; `>99h` beyond. */
export function formatEta (seconds: number): string {
  const s = Math.ceil(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  if (s < 100 * 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
  return '>99h'
}

/* What this process holds: open file descriptors and resident memory, now and at their peak. */
import fs = require('fs')

/** Open file descriptors of this process, or `null` where /proc/self/fd is missing. */
export function openFds (): number | null {
  try {
    return fs.readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

export interface Peaks {
  /** The most file descriptors seen open at once (`null` without /proc/self/fd). */
  fds: number | null
  /** The largest resident set seen (bytes). */
  rss: number
}

/** Samples open fds and RSS every `intervalMs` from `start()` until `stop()`, and keeps the peaks. */
export class PeakSampler {
  #peaks: Peaks = { fds: null, rss: 0 }
  #timer: NodeJS.Timeout | null = null

  constructor (readonly intervalMs = 250) {}

  start (): void {
    this.sample()
    this.#timer = setInterval(() => this.sample(), this.intervalMs)
  }

  /** Takes a last sample and returns the peaks. */
  stop (): Peaks {
    if (this.#timer !== null) clearInterval(this.#timer)
    this.#timer = null
    this.sample()
    return { ...this.#peaks }
  }

  sample (): void {
    const fds = openFds()
    const { rss } = process.memoryUsage()
    if (fds !== null) this.#peaks.fds = Math.max(this.#peaks.fds ?? 0, fds)
    this.#peaks.rss = Math.max(this.#peaks.rss, rss)
  }
}

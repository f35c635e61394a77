// Durations as the CLI takes them: `90s`, `500ms`, `2m`, `1h`, `1m30s`; a bare number is milliseconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** The longest wait a Node timer keeps (about 24.8 days); longer ones would fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1

/**
 * The milliseconds `text` stands for, or null when it is not a duration above 0: one or more
 * `<number><unit>` parts (units ms, s, m, h; each number may have a fraction), or a whole number
 * of milliseconds without a unit (what `--timeout` always took). Rounded to whole milliseconds.
 */
export function parseDuration (text: string): number | null {
  const value = text.trim().toLowerCase()
  let ms: number
  if (/^\d+$/.test(value)) {
    ms = Number(value)
  } else {
    if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) return null
    ms = 0
    for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
      ms += Number(amount) * (UNIT_MS[unit ?? ''] ?? NaN)
    }
    ms = Math.round(ms)
  }
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : null
}

/** A duration as people read it: `500 ms`, `90 s`, `2 min`, `1 h 30 min`. */
export function formatDuration (ms: number): string {
  if (ms < 1000) return `${ms} ms`
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`
  const h = Math.floor(ms / 3_600_000)
  const min = Math.floor((ms % 3_600_000) / 60_000)
  const s = Math.floor((ms % 60_000) / 1000)
  return [h > 0 ? `${h} h` : '', min > 0 ? `${min} min` : '', s > 0 ? `${s} s` : ''].filter(Boolean).join(' ')
}

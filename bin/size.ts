// Sizes as the CLI prints them: readable by default (`76.3 MiB`), every byte with `--bytes`
// (`80088890 B`). JSON output always carries the exact number.

/** Prints a number of bytes: a size, or a rate before `/s`. */
export type SizeFormat = (bytes: number) => string

/** In binary units with one decimal: `512 B`, `1.5 KiB`, `76.3 MiB`. */
export function formatBytes (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`
}

/** Every byte, as `--bytes` asks: what a script compares, or a person checks to the byte. */
export function exactBytes (bytes: number): string {
  return `${Math.round(bytes)} B`
}

/** The format a command's `--bytes` flag chose. */
export function sizeFormat (exact: boolean): SizeFormat {
  return exact ? exactBytes : formatBytes
}

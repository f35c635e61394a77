// `corestore-ts status <url>`: a running store's status page (store.serveStatus(), seed --status),
// read as a live terminal view, or once as JSON.
import type Corestore = require('../../lib')
import { EXIT_OK, parseCommandArgs } from '../command'
import type { CliIO, CliStream, Command } from '../command'
import { CONNECT_FAILED, NOT_A_STATUS_PAGE, USAGE } from '../errors'
import { sizeFormat } from '../size'
import type { SizeFormat } from '../size'

type Stats = Corestore.Stats

const usage = `Usage: corestore-ts status <url> [--json] [--bytes]

Shows a running store's status, as its status page serves it (store.serveStatus() in an app,
corestore-ts seed --status): the loaded cores, active or passive, with their peers and traffic,
the store's totals and throughput, its descriptor pool and memory. <url> is the page's address,
such as http://127.0.0.1:4100/, or host:port, or a port on 127.0.0.1.

On a terminal the view refreshes every second and fits the terminal's width; q or Ctrl-C quits.
Elsewhere (a pipe, a file) it prints the view once.

Options:
  --json       print one snapshot (the page's /stats.json) as JSON and exit
  --bytes      print sizes and rates as exact byte counts (default: readable, such as 1.5 MiB)
  -h, --help   print this help

Exit codes: 0 when done, 1 when nothing answers at <url> or what answers is not a store's status
page, 2 for a usage error.
`

/** The page's base address from what the user typed. */
export function statusBase (input: string): URL {
  let text = input.trim()
  if (/^\d+$/.test(text)) text = `127.0.0.1:${text}`
  if (!/^[a-z]+:\/\//i.test(text)) text = `http://${text}`
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw USAGE(`Status expects the status page's address, such as http://127.0.0.1:4100/, 127.0.0.1:4100 or 4100, got ${JSON.stringify(input)}`)
  }
  if (url.protocol !== 'http:') throw USAGE(`Status reads http:// addresses only, got ${JSON.stringify(input)}`)
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url
}

/** One snapshot from the page; fails with CONNECT_FAILED or NOT_A_STATUS_PAGE. */
export async function fetchStats (base: URL): Promise<Stats> {
  const url = new URL('stats.json', base)
  let response: Response
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    throw CONNECT_FAILED(base.host, cause?.code ?? (err as Error).message)
  }
  const text = await response.text()
  let stats: unknown = null
  try {
    stats = JSON.parse(text)
  } catch {}
  if (!response.ok || !isStats(stats)) throw NOT_A_STATUS_PAGE(base.href)
  return stats
}

function isStats (value: unknown): value is Stats {
  const s = value as Partial<Stats> | null
  return s !== null && typeof s === 'object' && Array.isArray(s.cores) && typeof s.totals === 'object' && s.totals !== null && typeof s.cacheSize === 'number'
}

const ESC = '\u001b['

/** The view as lines no wider than `width` (and at most `height` of them), sizes printed by `size`. */
export function renderView (stats: Stats, base: URL, rate: { up: number, down: number } | null, width: number, height: number, size: SizeFormat): string[] {
  const fit = (line: string): string => line.length <= width ? line : line.slice(0, Math.max(1, width - 1)) + '…'
  const { totals, files, memory } = stats
  const lines = [
    `corestore-ts status · ${base.host} · ${stats.folder ?? 'storage function'}${stats.locked ? ' (locked)' : ''} · ${new Date(stats.at).toLocaleTimeString()}`,
    `cores ${totals.active} active, ${totals.passive} passive (cacheSize ${stats.cacheSize}) · peers ${totals.peers} · files ${files.open === null ? '–' : `${files.open}/${files.max ?? '∞'}${files.waiting !== null && files.waiting > 0 ? ` (${files.waiting} waiting)` : ''}`} · heap ${size(memory.heapUsed)} · rss ${size(memory.rss)}`,
    `up ${size(totals.uploadedBytes)} (${totals.uploadedBlocks} blocks)${rate === null ? '' : `, ${size(rate.up)}/s`} · down ${size(totals.downloadedBytes)} (${totals.downloadedBlocks} blocks)${rate === null ? '' : `, ${size(rate.down)}/s`}`,
    ''
  ].map(fit)
  const cores = [...stats.cores].sort((a, b) => (b.lastActivity ?? 0) - (a.lastActivity ?? 0) || a.discoveryKey.localeCompare(b.discoveryKey))
  const cells = cores.map(core => [
    core.state,
    String(core.holders),
    String(core.length),
    size(core.byteLength),
    String(core.peers.length),
    size(core.uploadedBytes),
    size(core.downloadedBytes),
    core.name === null ? '' : core.name.split('\u0000').join('/')
  ])
  const headers = ['STATE', 'HOLDERS', 'BLOCKS', 'SIZE', 'PEERS', 'UP', 'DOWN', 'NAME']
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map(row => (row[i] ?? '').length)))
  const rest = widths.reduce((sum, w) => sum + w + 2, 0)
  // The discovery key takes what the other columns leave, at least 8 hex digits, at most all 64.
  const keyWidth = Math.max(8, Math.min(64, width - rest))
  const row = (key: string, values: string[]): string => {
    const shown = key.length > keyWidth ? key.slice(0, keyWidth - 1) + '…' : key.padEnd(keyWidth)
    return fit([shown, ...values.map((v, i) => i < values.length - 1 && i > 0 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))].join('  ').trimEnd())
  }
  lines.push(row('DISCOVERY KEY', headers))
  const room = Math.max(1, height - lines.length - 2)
  cores.slice(0, cores.length > room ? room - 1 : room).forEach((core, i) => lines.push(row(core.discoveryKey, cells[i] ?? [])))
  if (cores.length > room) lines.push(fit(`… ${cores.length - room + 1} more cores`))
  if (cores.length === 0) lines.push('(No cores loaded)')
  return lines
}

function rateBetween (previous: Stats | null, next: Stats): { up: number, down: number } | null {
  if (previous === null || next.at <= previous.at) return null
  const seconds = (next.at - previous.at) / 1000
  return {
    up: Math.max(0, (next.totals.uploadedBytes - previous.totals.uploadedBytes) / seconds),
    down: Math.max(0, (next.totals.downloadedBytes - previous.totals.downloadedBytes) / seconds)
  }
}

/** Refreshes the view every second until q or Ctrl-C, drawing over the last frame (no clearing, no flicker). */
async function live (base: URL, io: CliIO, first: Stats, size: SizeFormat): Promise<number> {
  const out = io.stdout as CliStream & { rows?: number }
  const stdin = process.stdin
  let previous: Stats | null = null
  let current = first
  let failure: string | null = null
  const draw = (): void => {
    const width = out.columns ?? 80
    const height = out.rows ?? 24
    const lines = renderView(current, base, rateBetween(previous, current), width, height - 1, size)
    if (failure !== null) lines.push(`Cannot refresh: ${failure}`.slice(0, width))
    lines.push('q or Ctrl-C quits'.slice(0, width))
    out.write(`${ESC}H` + lines.map(line => line + `${ESC}K`).join('\n') + `${ESC}J`)
  }
  out.write(`${ESC}?1049h${ESC}?25l`)
  return await new Promise<number>(resolve => {
    let timer: NodeJS.Timeout | null = null
    const quit = (): void => {
      if (timer !== null) clearTimeout(timer)
      stdin.removeListener('data', onKey)
      out.removeListener('resize', draw)
      if (stdin.isTTY) stdin.setRawMode(false)
      stdin.pause()
      out.write(`${ESC}?25h${ESC}?1049l`)
      resolve(EXIT_OK)
    }
    const onKey = (key: Buffer): void => {
      const text = key.toString()
      if (text === 'q' || text === 'Q' || text === '\u0003') quit()
    }
    const refresh = (): void => {
      fetchStats(base).then(next => {
        previous = current
        current = next
        failure = null
      }, (err: Error) => { failure = err.message }).finally(() => {
        draw()
        timer = setTimeout(refresh, 1000)
      })
    }
    if (stdin.isTTY) stdin.setRawMode(true)
    stdin.resume()
    stdin.on('data', onKey)
    out.on('resize', draw)
    draw()
    timer = setTimeout(refresh, 1000)
  })
}

export const command: Command = {
  name: 'status',
  summary: 'show a running store\'s status page (store.serveStatus, seed --status) live, or once as JSON',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, bytes: { type: 'boolean' } })
    const [address, ...extra] = positionals
    if (address === undefined) throw USAGE('Status needs the address of a store\'s status page')
    if (extra.length > 0) throw USAGE(`Status takes one address, got also ${extra.map(arg => JSON.stringify(arg)).join(' ')}`)
    const base = statusBase(address)
    const stats = await fetchStats(base)
    if (values.json === true) {
      io.stdout.write(JSON.stringify(stats) + '\n')
      return EXIT_OK
    }
    const size = sizeFormat(values.bytes === true)
    if (io.stdout !== process.stdout || process.stdout.isTTY !== true) {
      io.stdout.write(renderView(stats, base, null, io.stdout.columns ?? Infinity, Infinity, size).join('\n') + '\n')
      return EXIT_OK
    }
    return await live(base, io, stats, size)
  }
}

import type { RunResult } from './child'
import type { PackageName } from './options'
import type { Peaks } from './sampler'
import type { WorkloadMetrics } from './workload'
import type { CaseSpec } from './workloads'

/** The runs of one package on one case, reduced to medians. */
export type Summary =
  | {
    status: 'ok'
    runs: number
    timeMs: number
    cpuMs: number
    heapDelta: number
    rssDelta: number
    fdDelta: number | null
    peaks: Peaks | null
    metrics: WorkloadMetrics
  }
  | { status: 'stalled', runs: number, stalled: number, timeoutMs: number, quietMs: number | null, progress: string, peaks: Peaks | null, metrics: WorkloadMetrics }
  | { status: 'error', runs: number, message: string }

export interface CaseResult {
  spec: CaseSpec
  runs: Partial<Record<PackageName, RunResult[]>>
}

export interface Environment {
  node: string
  platform: string
  cpus: number
  reps: number
  versions: Record<string, string>
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const upper = sorted[mid] ?? NaN
  if (sorted.length % 2 === 1) return upper
  return ((sorted[mid - 1] ?? NaN) + upper) / 2
}

/** The median of values every run has; `null` when any run lacks it. */
function medianOf<T> (runs: T[], pick: (run: T) => number | null | undefined): number | null {
  const values = runs.map(pick)
  if (values.length === 0 || values.some(v => v === null || v === undefined)) return null
  return median(values as number[])
}

/** Why a run counts as stalled, in words. */
export function stallReason (s: { timeoutMs: number, quietMs: number | null }): string {
  return s.quietMs === null ? `not done within ${s.timeoutMs / 1000} s` : `no progress for ${s.quietMs / 1000} s`
}

/** A stall or error in any run decides the cell: a number only means every run finished. */
export function summarize (runs: RunResult[]): Summary | null {
  if (runs.length === 0) return null
  const error = runs.find(r => r.status === 'error')
  if (error !== undefined && error.status === 'error') return { status: 'error', runs: runs.length, message: error.message }
  const stalled = runs.filter(r => r.status === 'stalled')
  const firstStall = stalled[0]
  if (firstStall !== undefined && firstStall.status === 'stalled') {
    const { timeoutMs, quietMs, progress, peaks, metrics } = firstStall
    return { status: 'stalled', runs: runs.length, stalled: stalled.length, timeoutMs, quietMs, progress, peaks, metrics }
  }
  const ok = runs.flatMap(r => r.status === 'ok' ? [r] : [])
  const peakRss = medianOf(ok, r => r.peaks?.rss)
  const metric = (key: keyof WorkloadMetrics): number | null => medianOf(ok, r => r.metrics[key])
  const metrics: WorkloadMetrics = {}
  for (const key of ['startRate', 'endRate', 'storeStartCpu', 'storeEndCpu', 'readerStartCpu', 'readerEndCpu', 'loadedCores', 'openFds'] as const) {
    if (ok.some(r => key in r.metrics)) metrics[key] = metric(key) ?? undefined
  }
  return {
    status: 'ok',
    runs: ok.length,
    timeMs: median(ok.map(r => r.timeMs)),
    cpuMs: median(ok.map(r => r.cpuMs)),
    heapDelta: median(ok.map(r => r.heapDelta)),
    rssDelta: median(ok.map(r => r.rssDelta)),
    fdDelta: medianOf(ok, r => r.fdDelta),
    peaks: peakRss === null ? null : { rss: peakRss, fds: medianOf(ok, r => r.peaks?.fds) },
    metrics
  }
}

function formatTime (ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`
  return `${ms.toFixed(0)} ms`
}

function formatBytes (bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`
}

function formatRatio (ours: number, theirs: number): string {
  if (!(ours > 0) || !(theirs > 0)) return 'n/a'
  const ratio = ours / theirs
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`
}

const OURS: PackageName = 'corestore-ts'
const THEIRS: PackageName = 'corestore5'

type Finished = Extract<Summary, { status: 'ok' }>

const LABEL: Record<PackageName, string> = { 'corestore-ts': 'corestore-ts', corestore5: 'corestore@5.8.2' }

/** CPU ms per core over the first and the last tenth, "0.81 → 0.90". */
function formatCpuSpan (start: number | null | undefined, end: number | null | undefined): string {
  const one = (ms: number | null | undefined): string => ms === null || ms === undefined ? '–' : ms.toFixed(2)
  return `${one(start)} → ${one(end)}`
}

function formatRate (perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined) return '–'
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toPrecision(2)
}

/** `a / b` for two packages' values of one kind. */
const pair = (ours: string, theirs: string): string => `${ours} / ${theirs}`

export function markdown (results: CaseResult[], env: Environment): string {
  const notes: string[] = []
  const rows: string[] = []
  const servingRows: string[] = []
  for (const { spec, runs } of results) {
    const ours = summarize(runs[OURS] ?? [])
    const theirs = summarize(runs[THEIRS] ?? [])

    // The time cell carries a stall or an error (with a numbered note); the memory cells then stay empty.
    const timeCell = (pkg: PackageName, s: Summary | null): string => {
      if (s === null) return '–'
      if (s.status === 'ok') return formatTime(s.timeMs)
      if (s.status === 'stalled') {
        notes.push(`${LABEL[pkg]}, ${spec.name}: ${s.stalled} of ${s.runs} runs stalled (${stallReason(s)}) ` +
          `at ${s.progress}; later runs of it were skipped.`)
        return `stalled at ${s.progress.split(' ')[0] ?? ''} [${notes.length}]`
      }
      notes.push(`${LABEL[pkg]}, ${spec.name}: ${s.message.split('\n').slice(0, 4).join(' ')}`)
      return `error [${notes.length}]`
    }
    const finished = (s: Summary | null, pick: (s: Finished) => string): string => s?.status === 'ok' ? pick(s) : '–'
    const ratio = (pick: (s: Finished) => number): string => {
      if (ours?.status === 'ok' && theirs?.status === 'ok') return formatRatio(pick(ours), pick(theirs))
      return 'n/a'
    }
    const fdCell = (s: Summary | null): string => s?.status === 'ok' && s.fdDelta !== null ? String(s.fdDelta) : '–'
    const heap = (s: Finished): number => s.heapDelta
    const rss = (s: Finished): number => s.rssDelta

    const timeRatio = ratio(s => s.timeMs)
    rows.push('| ' + [
      spec.title,
      spec.size,
      timeCell(OURS, ours),
      timeCell(THEIRS, theirs),
      ours?.status === 'ok' && theirs?.status === 'stalled' ? 'n/a (corestore@5 stalled)' : timeRatio,
      finished(ours, s => formatTime(s.cpuMs)),
      finished(theirs, s => formatTime(s.cpuMs)),
      ratio(s => s.cpuMs),
      finished(ours, s => formatBytes(heap(s))),
      finished(theirs, s => formatBytes(heap(s))),
      ratio(heap),
      finished(ours, s => formatBytes(rss(s))),
      finished(theirs, s => formatBytes(rss(s))),
      ratio(rss),
      pair(fdCell(ours), fdCell(theirs))
    ].join(' | ') + ' |')

    if (!spec.samplePeaks) continue
    // Stalled runs still say how far they got and what they held by then.
    type Measured = Extract<Summary, { status: 'ok' | 'stalled' }>
    const measured = (s: Summary | null): Measured | null => s?.status === 'ok' || s?.status === 'stalled' ? s : null
    const m = [measured(ours), measured(theirs)] as const
    const both = (cell: (s: Measured) => string): string => pair(...m.map(s => s === null ? '–' : cell(s)) as [string, string])
    const completion = (s: Summary | null): string => {
      if (s === null) return '–'
      if (s.status === 'ok') return 'done'
      if (s.status === 'stalled') return `stalled at ${s.progress.split(' ')[0] ?? ''}`
      return 'error'
    }
    const peakRss = (s: Measured | null): number | null => s?.peaks?.rss ?? null
    const [ourRss, theirRss] = [peakRss(m[0]), peakRss(m[1])]
    servingRows.push('| ' + [
      spec.title,
      spec.size,
      pair(completion(ours), completion(theirs)),
      both(s => s.peaks?.fds === null || s.peaks?.fds === undefined ? '–' : String(s.peaks.fds)),
      ourRss === null ? '–' : formatBytes(ourRss),
      theirRss === null ? '–' : formatBytes(theirRss),
      ourRss === null || theirRss === null ? 'n/a' : formatRatio(ourRss, theirRss),
      both(s => formatRate(s.metrics.startRate)),
      both(s => formatRate(s.metrics.endRate)),
      both(s => formatCpuSpan(s.metrics.storeStartCpu, s.metrics.storeEndCpu)),
      both(s => formatCpuSpan(s.metrics.readerStartCpu, s.metrics.readerEndCpu)),
      both(s => s.metrics.loadedCores === undefined ? '–' : String(s.metrics.loadedCores)),
      both(s => s.metrics.openFds === null || s.metrics.openFds === undefined ? '–' : String(s.metrics.openFds))
    ].join(' | ') + ' |')
  }

  const versions = Object.entries(env.versions).map(([name, v]) => `${name}@${v}`).join(', ')
  return [
    `corestore-ts vs corestore@5.8.2 on ${versions}; node ${env.node}, ${env.platform}, ${env.cpus} CPUs.`,
    `Median of ${env.reps} ${env.reps === 1 ? 'run' : 'runs'}, each in its own process, on disk storage in a temporary folder. ` +
      'Time: wall clock of the workload; CPU: user + system time of the benchmarked process over it. ' +
      'Heap Δ / RSS Δ: memory the workload left in use, after a full GC, while its stores are still open; open fds Δ likewise. ' +
      'Ratio: corestore-ts / corestore@5.8.2 (below 1: corestore-ts is faster or smaller).',
    '',
    '| workload | size | corestore-ts time | corestore@5 time | time ratio | corestore-ts CPU | corestore@5 CPU | CPU ratio | corestore-ts heap Δ | corestore@5 heap Δ | heap ratio | corestore-ts RSS Δ | corestore@5 RSS Δ | RSS ratio | open fds Δ (ts / cs5) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    ...(servingRows.length === 0
      ? []
      : [
          '',
          'Peaks sampled every 250 ms during the timed part, in the benchmarked process: the serving store (its reader runs in another process), or the downloader of a latency case (its uploader runs in another); ' +
            'cores/s over the first and the last tenth of the cores, and the CPU ms per core that the serving process and the reader ' +
            'spent over those tenths (first → last); loaded cores (\'feed\' events minus their cores\' \'close\') and open fds ' +
            'once that count has been steady for 2 s (at most 30 s), or at the stall.',
          '',
          '| workload | size | completed (ts / cs5) | peak open fds (ts / cs5) | corestore-ts peak RSS | corestore@5 peak RSS | peak RSS ratio | cores/s, first 10% (ts / cs5) | cores/s, last 10% (ts / cs5) | store CPU ms per core, first → last 10% (ts / cs5) | reader CPU ms per core, first → last 10% (ts / cs5) | cores still loaded (ts / cs5) | open fds then (ts / cs5) |',
          '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...servingRows
        ]),
    ...(notes.length > 0 ? ['', ...notes.map((text, i) => `[${i + 1}] ${text}`)] : [])
  ].join('\n')
}

export function json (results: CaseResult[], env: Environment, options: object): string {
  return JSON.stringify({
    environment: env,
    options,
    cases: results.map(({ spec, runs }) => ({
      ...spec,
      packages: Object.fromEntries(Object.entries(runs).map(([pkg, list]) => [pkg, { summary: summarize(list), runs: list }]))
    }))
  }, null, 2)
}

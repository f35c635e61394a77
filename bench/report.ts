import type { RunResult } from './child'
import type { PackageName } from './options'
import type { CaseSpec } from './workloads'

/** The runs of one package on one case, reduced to medians. */
export type Summary =
  | { status: 'ok', runs: number, timeMs: number, heapDelta: number, rssDelta: number, fdDelta: number | null }
  | { status: 'stalled', runs: number, stalled: number, timeoutMs: number, progress: string }
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

/** A stall or error in any run decides the cell: a number only means every run finished. */
export function summarize (runs: RunResult[]): Summary | null {
  if (runs.length === 0) return null
  const error = runs.find(r => r.status === 'error')
  if (error !== undefined && error.status === 'error') return { status: 'error', runs: runs.length, message: error.message }
  const stalled = runs.filter(r => r.status === 'stalled')
  const firstStall = stalled[0]
  if (firstStall !== undefined && firstStall.status === 'stalled') {
    return { status: 'stalled', runs: runs.length, stalled: stalled.length, timeoutMs: firstStall.timeoutMs, progress: firstStall.progress }
  }
  const ok = runs.flatMap(r => r.status === 'ok' ? [r] : [])
  return {
    status: 'ok',
    runs: ok.length,
    timeMs: median(ok.map(r => r.timeMs)),
    heapDelta: median(ok.map(r => r.heapDelta)),
    rssDelta: median(ok.map(r => r.rssDelta)),
    fdDelta: ok.every(r => r.fdDelta !== null) ? median(ok.map(r => r.fdDelta ?? 0)) : null
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

export function markdown (results: CaseResult[], env: Environment): string {
  const notes: string[] = []
  const rows: string[] = []
  for (const { spec, runs } of results) {
    const ours = summarize(runs[OURS] ?? [])
    const theirs = summarize(runs[THEIRS] ?? [])

    // The time cell carries a stall or an error (with a numbered note); the memory cells then stay empty.
    const timeCell = (pkg: PackageName, s: Summary | null): string => {
      if (s === null) return '–'
      if (s.status === 'ok') return formatTime(s.timeMs)
      if (s.status === 'stalled') {
        notes.push(`${LABEL[pkg]}, ${spec.name}: ${s.stalled} of ${s.runs} runs did not finish within ${s.timeoutMs / 1000} s ` +
          `(stopped at ${s.progress}); later runs of it were skipped.`)
        return `stalled (timeout) [${notes.length}]`
      }
      notes.push(`${LABEL[pkg]}, ${spec.name}: ${s.message.split('\n').slice(0, 4).join(' ')}`)
      return `error [${notes.length}]`
    }
    const memoryCell = (s: Summary | null, pick: (s: Finished) => number): string => s?.status === 'ok' ? formatBytes(pick(s)) : '–'
    const ratio = (pick: (s: Finished) => number): string => {
      if (ours?.status === 'ok' && theirs?.status === 'ok') return formatRatio(pick(ours), pick(theirs))
      return 'n/a'
    }
    const fdCell = (s: Summary | null): string => s?.status === 'ok' && s.fdDelta !== null ? String(s.fdDelta) : '–'
    const heap = (s: Finished): number => s.heapDelta
    const rss = (s: Finished): number => s.rssDelta

    rows.push('| ' + [
      spec.title,
      spec.size,
      timeCell(OURS, ours),
      timeCell(THEIRS, theirs),
      ours?.status === 'ok' && theirs?.status === 'stalled' ? 'n/a (corestore@5 stalled)' : ratio(s => s.timeMs),
      memoryCell(ours, heap),
      memoryCell(theirs, heap),
      ratio(heap),
      memoryCell(ours, rss),
      memoryCell(theirs, rss),
      ratio(rss),
      `${fdCell(ours)} / ${fdCell(theirs)}`
    ].join(' | ') + ' |')
  }

  const versions = Object.entries(env.versions).map(([name, v]) => `${name}@${v}`).join(', ')
  return [
    `corestore-ts vs corestore@5.8.2 on ${versions}; node ${env.node}, ${env.platform}, ${env.cpus} CPUs.`,
    `Median of ${env.reps} ${env.reps === 1 ? 'run' : 'runs'}, each in its own process, on disk storage in a temporary folder. ` +
      'Time: wall clock of the workload. Heap Δ / RSS Δ: memory the workload left in use, after a full GC, while its stores are still open; open fds Δ likewise. ' +
      'Ratio: corestore-ts / corestore@5.8.2 (below 1: corestore-ts is faster or smaller).',
    '',
    '| workload | size | corestore-ts time | corestore@5 time | time ratio | corestore-ts heap Δ | corestore@5 heap Δ | heap ratio | corestore-ts RSS Δ | corestore@5 RSS Δ | RSS ratio | open fds Δ (ts / cs5) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
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

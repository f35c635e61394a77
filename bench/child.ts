/*
 * One run of one workload on one package, in a process of its own (started by runner.ts with
 * --expose-gc). It reports a RunResult over IPC and exits without closing its stores: closing
 * a thousand cores takes seconds that measure nothing (and a stalled store may never close), and
 * the parent removes the run's folder.
 */
import { loadStore } from './store'
import type { PackageName } from './options'
import { openFds, PeakSampler } from './sampler'
import type { Peaks } from './sampler'
import type { WorkloadMetrics } from './workload'
import { WORKLOADS } from './workloads'
import type { CaseSpec } from './workloads'

export interface ChildSpec {
  pkg: PackageName
  spec: CaseSpec
  /** An empty folder for this run's stores; the parent removes it. */
  dir: string
  timeoutMs: number
}

export type RunResult =
  | {
    status: 'ok'
    timeMs: number
    /** CPU time of this process (user + system) over the timed part. */
    cpuMs: number
    /** JS heap in use after the timed part minus before it, both after a full GC (bytes). */
    heapDelta: number
    /** Resident set size, measured the same way (bytes). */
    rssDelta: number
    /** Open file descriptors, after minus before (`null` where /proc/self/fd is missing). */
    fdDelta: number | null
    setupMs: number
    /** Peak open fds and RSS during the timed part, where the case samples them. */
    peaks: Peaks | null
    metrics: WorkloadMetrics
  }
  | {
    status: 'stalled'
    timeoutMs: number
    /** Set when the run stalled by making no progress for this long, before the timeout. */
    quietMs: number | null
    progress: string
    peaks: Peaks | null
    metrics: WorkloadMetrics
  }
  | { status: 'error', message: string }

async function settledMemory (): Promise<{ heapUsed: number, rss: number }> {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('run the bench child with node --expose-gc')
  // Let closed handles and finished callbacks drop their references first.
  await new Promise(resolve => setImmediate(resolve))
  gc()
  gc()
  const { heapUsed, rss } = process.memoryUsage()
  return { heapUsed, rss }
}

/** What the timed part keeps open, held here until memory has been measured. */
const retained: unknown[] = []

/**
 * Resolves `stalled` to false when the timed part runs longer than `timeoutMs`, or, with a
 * `quietMs`, as soon as its progress has not changed for that long.
 */
class StallWatch {
  readonly stalled: Promise<false>
  /** Set when the stall was the progress standing still. */
  quietMs: number | null = null
  #timers: NodeJS.Timeout[] = []

  constructor (progress: () => string, timeoutMs: number, quietMs: number | null) {
    this.stalled = new Promise(resolve => {
      this.#timers.push(setTimeout(resolve, timeoutMs, false))
      if (quietMs === null) return
      let last = progress()
      let since = Date.now()
      this.#timers.push(setInterval(() => {
        const now = progress()
        if (now !== last) {
          last = now
          since = Date.now()
        } else if (Date.now() - since >= quietMs) {
          this.quietMs = quietMs
          resolve(false)
        }
      }, 1000))
    })
  }

  stop (): void {
    for (const timer of this.#timers) clearTimeout(timer)
  }
}

function elapsedMs (since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6
}

export async function runChild ({ pkg, spec, dir, timeoutMs }: ChildSpec, report: (result: RunResult) => Promise<void>): Promise<void> {
  const Store = loadStore(pkg)
  const setupStart = process.hrtime.bigint()
  const prepared = await WORKLOADS[spec.workload](Store, dir, spec.params)
  const setupMs = elapsedMs(setupStart)

  const before = await settledMemory()
  const fdsBefore = openFds()
  const sampler = spec.samplePeaks ? new PeakSampler() : null
  sampler?.start()
  const cpuBefore = process.cpuUsage()
  const start = process.hrtime.bigint()
  const watch = new StallWatch(prepared.progress, timeoutMs, spec.quietSeconds === null ? null : spec.quietSeconds * 1000)
  const finished = await Promise.race([
    prepared.run().then(kept => {
      retained.push(kept)
      return true
    }),
    watch.stalled
  ])
  const timeMs = elapsedMs(start)
  const cpu = process.cpuUsage(cpuBefore)
  const peaks = sampler?.stop() ?? null
  watch.stop()

  if (!finished) {
    await report({ status: 'stalled', timeoutMs, quietMs: watch.quietMs, progress: prepared.progress(), peaks, metrics: prepared.metrics?.() ?? {} })
    return
  }
  await prepared.settle?.()
  const metrics = prepared.metrics?.() ?? {}
  const after = await settledMemory()
  const fdsAfter = openFds()
  const fdDelta = fdsBefore === null || fdsAfter === null ? null : fdsAfter - fdsBefore
  const cpuMs = (cpu.user + cpu.system) / 1000
  await report({ status: 'ok', timeMs, cpuMs, heapDelta: after.heapUsed - before.heapUsed, rssDelta: after.rss - before.rss, fdDelta, setupMs, peaks, metrics })
  retained.length = 0
}

function send (result: RunResult): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) {
      process.stdout.write(JSON.stringify(result) + '\n')
      return resolve()
    }
    process.send(result, (err: Error | null) => err ? reject(err) : resolve())
  })
}

if (require.main === module) {
  const arg = process.argv[2]
  let sent = false
  const report = async (result: RunResult): Promise<void> => {
    sent = true
    await send(result)
  }
  const fail = (err: unknown): void => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
    if (sent) {
      process.stderr.write(message + '\n')
      process.exit(1)
    }
    report({ status: 'error', message }).finally(() => process.exit(1))
  }
  process.on('uncaughtException', fail)
  if (arg === undefined) {
    fail(new Error('usage: child.js <JSON ChildSpec>'))
  } else {
    runChild(JSON.parse(arg) as ChildSpec, report).then(() => process.exit(0), fail)
  }
}

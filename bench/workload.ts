/*
 * What a workload is, apart from any one of them: the sizes it runs with, the run it prepares and
 * what it measures. The workloads (workloads.ts, serve.ts), their setup (populate.ts), the child
 * that runs them and the report import it; it imports none of them, so they form no circle.
 */
import type { BenchStoreConstructor } from './store'

/** The sizes of one case, as its workload and the setup it shares (populate.ts) read them. */
export interface CaseParams {
  cores: number
  /** Blocks appended to each core before the timed part (0: none). */
  blocks: number
  blockSize: number
  /** cacheSize of the store that serves passive cores; `null` for the package's default. */
  cacheSize: number | null
  /** serve: cores the remote reader opens at a time. */
  batch?: number
  /** serve: the reader closes each core after reading it, instead of keeping all open. */
  closeAfterRead?: boolean
  /** latency: delay of the link each way (ms). */
  latencyMs?: number
  /** latency: the link's rate each way (bytes per second); absent: no limit. */
  linkBytesPerSecond?: number
  /** latency: who uploads: the package under test, or corestore@5.8.2 whatever the package. */
  uploader?: 'same' | 'corestore5'
  /** latency: the maxRequests corestore@5.8.2's downloader opens the core with (raised by hand, as its users did); corestore-ts's window adapts. */
  corestore5MaxRequests?: number
}

/** Measurements a workload takes itself, after its timed part and `settle` (or when it stalled). */
export interface WorkloadMetrics {
  /** Cores per second over the first and the last tenth of the cores (`null`: not reached). */
  startRate?: number | null
  endRate?: number | null
  /**
   * CPU time (user + system, ms) per core over the same first and last tenth: of the serving process
   * (`store…`) and of the reader process (`reader…`), so a falling rate shows which side slowed.
   */
  storeStartCpu?: number | null
  storeEndCpu?: number | null
  readerStartCpu?: number | null
  readerEndCpu?: number | null
  /** Cores the serving store still has loaded. */
  loadedCores?: number
  /** Open fds of the process at the time (`null` without /proc/self/fd). */
  openFds?: number | null
}

/** A workload after its untimed setup: the timed part. */
export interface PreparedRun {
  /**
   * The part that is timed and whose retained memory is measured. It resolves to what the
   * workload keeps open (its stores, cores and streams), so that none of it is collected before
   * memory is measured.
   */
  run (): Promise<unknown>
  /** How far `run` got, for the report when it stalls. */
  progress (): string
  /** Untimed, after `run`: waits until the stores are quiet, before `metrics`. */
  settle?(): Promise<void>
  metrics?(): WorkloadMetrics
}

export type Workload = (Store: BenchStoreConstructor, dir: string, params: CaseParams) => Promise<PreparedRun>

import os = require('os')

/** The two implementations the harness compares. */
export const PACKAGES = ['corestore-ts', 'corestore5'] as const
export type PackageName = typeof PACKAGES[number]

/** One row of the results table: a workload with its sizes. */
export const CASES = ['open', 'reopen', 'replicate', 'passive', 'passive-small-cache', 'serve-keep', 'serve-close', 'idle-peer', 'latency', 'latency-from-cs5', 'latency-100', 'latency-100-tuned', 'latency-64k', 'latency-capped'] as const
export type CaseName = typeof CASES[number]

export interface BenchOptions {
  /** Child processes per package and case; the median is reported. */
  reps: number
  openCores: number
  reopenCores: number
  replicateCores: number
  replicateBlocks: number
  passiveCores: number
  passiveBlocks: number
  /** The cacheSize of the passive side in `passive-small-cache` (below `passiveCores`). */
  smallCache: number
  /** Stored cores one remote reader reads in "serve-keep" and "serve-close". */
  serveCores: number
  /** Cores the remote reader opens at a time. */
  serveBatch: number
  /** Stored cores the remote reader reads and keeps idle in "idle-peer". */
  idleCores: number
  /** The cacheSize of the serving store in "idle-peer". */
  idleCache: number
  latencyBlocks: number
  /** Delay each way of the link in "latency". */
  latencyMs: number
  /** The maxRequests corestore@5.8.2's downloader gets in "latency-100-tuned" (corestore-ts's window adapts). */
  tunedMaxRequests: number
  /** Blocks of the core in "latency-100" (a link of 100 ms each way). */
  latency100Blocks: number
  /** Blocks of 64 KiB in "latency-64k" and "latency-capped". */
  largeBlocks: number
  /** The link's rate in "latency-capped" (MiB/s each way). */
  linkMiBps: number
  blockSize: number
  /** How long the timed part of one run may take before it is reported as stalled. */
  timeoutSeconds: number
  /** The same for the workloads with a remote reader or a slow link. */
  serveTimeoutSeconds: number
  cases: CaseName[]
  packages: PackageName[]
  json: boolean
  /** Where each run's temporary store folder is created. */
  tmpDir: string
  help: boolean
}

type NumericOption = 'reps' | 'openCores' | 'reopenCores' | 'replicateCores' | 'replicateBlocks' | 'passiveCores' | 'passiveBlocks' | 'smallCache' |
  'serveCores' | 'serveBatch' | 'idleCores' | 'idleCache' | 'latencyBlocks' | 'latencyMs' | 'tunedMaxRequests' | 'latency100Blocks' | 'largeBlocks' | 'linkMiBps' | 'blockSize' | 'timeoutSeconds' | 'serveTimeoutSeconds'

interface NumericSetting {
  key: NumericOption
  flag: string
  defaultValue: number
  min: number
  description: string
}

// The defaults take the better part of an hour on two cores: the serving workloads at 10,000 cores
// and the latency workload take minutes each. --only picks workloads, --quick is a smoke run.
const NUMERIC: NumericSetting[] = [
  { key: 'reps', flag: 'reps', defaultValue: 3, min: 1, description: 'runs per package and workload (median reported)' },
  { key: 'openCores', flag: 'open-cores', defaultValue: 1000, min: 1, description: 'named cores opened in "open"' },
  { key: 'reopenCores', flag: 'reopen-cores', defaultValue: 2000, min: 1, description: 'cores reopened by key in "reopen"' },
  { key: 'replicateCores', flag: 'replicate-cores', defaultValue: 200, min: 1, description: 'cores replicated over one stream in "replicate"' },
  { key: 'replicateBlocks', flag: 'replicate-blocks', defaultValue: 64, min: 1, description: 'blocks per core in "replicate"' },
  { key: 'passiveCores', flag: 'passive-cores', defaultValue: 100, min: 1, description: 'cores a peer requests in "passive" and "passive-small-cache"' },
  { key: 'passiveBlocks', flag: 'passive-blocks', defaultValue: 4, min: 1, description: 'blocks per core in the passive workloads' },
  { key: 'smallCache', flag: 'small-cache', defaultValue: 16, min: 1, description: 'cacheSize of the serving store in "passive-small-cache"' },
  { key: 'serveCores', flag: 'serve-cores', defaultValue: 10_000, min: 1, description: 'stored cores (1 block each) a remote reader reads in "serve-keep" and "serve-close"' },
  { key: 'serveBatch', flag: 'serve-batch', defaultValue: 200, min: 1, description: 'cores the remote reader opens at a time' },
  { key: 'idleCores', flag: 'idle-cores', defaultValue: 2000, min: 1, description: 'stored cores (1 block each) a remote reader reads and leaves idle in "idle-peer"' },
  { key: 'idleCache', flag: 'idle-cache', defaultValue: 50, min: 1, description: 'cacheSize of the serving store in "idle-peer"' },
  { key: 'latencyBlocks', flag: 'latency-blocks', defaultValue: 20_000, min: 1, description: 'blocks of the one core downloaded in "latency"' },
  { key: 'latencyMs', flag: 'latency-ms', defaultValue: 50, min: 0, description: 'delay of the link each way in "latency", "latency-from-cs5", "latency-64k" and "latency-capped" (ms)' },
  { key: 'tunedMaxRequests', flag: 'tuned-max-requests', defaultValue: 256, min: 1, description: 'the maxRequests corestore@5.8.2\'s downloader is given by hand in "latency-100-tuned"' },
  { key: 'latency100Blocks', flag: 'latency-100-blocks', defaultValue: 5000, min: 1, description: 'blocks of the one core downloaded over 100 ms each way in "latency-100"' },
  { key: 'largeBlocks', flag: 'large-blocks', defaultValue: 2000, min: 1, description: 'blocks of 64 KiB downloaded in "latency-64k" and "latency-capped"' },
  { key: 'linkMiBps', flag: 'link-rate', defaultValue: 10, min: 1, description: 'the link\'s rate each way in "latency-capped" (MiB/s)' },
  { key: 'blockSize', flag: 'block-size', defaultValue: 1024, min: 1, description: 'bytes per appended block' },
  { key: 'timeoutSeconds', flag: 'timeout', defaultValue: 30, min: 1, description: 'seconds the timed part of one run may take before it counts as stalled; for serve-keep, serve-close, idle-peer and latency: seconds without progress' },
  { key: 'serveTimeoutSeconds', flag: 'serve-timeout', defaultValue: 600, min: 1, description: 'seconds the timed part of serve-keep, serve-close, idle-peer and latency may take' }
]

/** `--quick`: sizes that finish in about a minute, to see that every workload runs. Flags still win. */
const QUICK: Partial<Record<NumericOption, number>> = {
  reps: 1,
  openCores: 50,
  reopenCores: 50,
  replicateCores: 20,
  replicateBlocks: 4,
  passiveCores: 20,
  smallCache: 4,
  serveCores: 300,
  serveBatch: 100,
  idleCores: 100,
  idleCache: 10,
  latencyBlocks: 200,
  latency100Blocks: 100,
  largeBlocks: 20,
  timeoutSeconds: 10,
  serveTimeoutSeconds: 20
}

/** `open-cores` -> `BENCH_OPEN_CORES` */
function envName (flag: string): string {
  return 'BENCH_' + flag.toUpperCase().replace(/-/g, '_')
}

export class UsageError extends Error {}

export function usage (): string {
  const lines = [
    'Usage: node build/bench/index.js [--flag=value ...]',
    '',
    'Runs the same workloads on corestore-ts and corestore@5.8.2, each run in its own child process,',
    'and prints a markdown table of medians with ratios (corestore-ts / corestore@5).',
    '',
    'Every numeric flag can also be set by its environment variable; a flag wins over the variable.',
    ''
  ]
  for (const s of NUMERIC) {
    lines.push(`  --${s.flag}=N`.padEnd(26) + `${envName(s.flag)}`.padEnd(26) + `${s.description} (default ${s.defaultValue})`)
  }
  lines.push(
    '  --only=a,b'.padEnd(26) + 'BENCH_ONLY'.padEnd(26) + `workloads to run, of ${CASES.join(', ')} (default all)`,
    '  --packages=a,b'.padEnd(26) + 'BENCH_PACKAGES'.padEnd(26) + `packages to run, of ${PACKAGES.join(', ')} (default both)`,
    '  --tmp-dir=PATH'.padEnd(26) + 'BENCH_TMP_DIR'.padEnd(26) + 'parent folder of the temporary stores (default the OS temp folder)',
    '  --json'.padEnd(52) + 'print the results as JSON instead of a markdown table',
    '  --quick'.padEnd(52) + 'small sizes and one run each: a smoke test of the harness',
    '  --help'.padEnd(52) + 'this text'
  )
  return lines.join('\n')
}

/** Reads settings from `argv` (flags) over `env` (BENCH_* variables) over the defaults. */
export function parseOptions (argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>()
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (match === null || match[1] === undefined) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`)
    flags.set(match[1], match[2] ?? 'true')
  }
  const known = new Set(['only', 'packages', 'tmp-dir', 'json', 'quick', 'help', ...NUMERIC.map(s => s.flag)])
  for (const flag of flags.keys()) {
    if (!known.has(flag)) throw new UsageError(`unknown flag --${flag}`)
  }
  const setting = (flag: string): string | undefined => flags.get(flag) ?? env[envName(flag)]

  const numbers = Object.fromEntries(NUMERIC.map(s => [s.key, s.defaultValue])) as Record<NumericOption, number>
  if (flags.has('quick')) Object.assign(numbers, QUICK)
  for (const s of NUMERIC) {
    const raw = setting(s.flag)
    if (raw === undefined) continue
    const value = Number(raw)
    if (!Number.isInteger(value) || value < s.min) throw new UsageError(`--${s.flag} (${envName(s.flag)}) must be a whole number >= ${s.min}, got ${JSON.stringify(raw)}`)
    numbers[s.key] = value
  }
  return {
    ...numbers,
    cases: parseList(setting('only'), CASES, 'only'),
    packages: parseList(setting('packages'), PACKAGES, 'packages'),
    json: flags.has('json'),
    tmpDir: setting('tmp-dir') ?? os.tmpdir(),
    help: flags.has('help')
  }
}

function parseList<T extends string> (raw: string | undefined, allowed: readonly T[], flag: string): T[] {
  if (raw === undefined || raw === '') return [...allowed]
  const picked: T[] = []
  for (const item of raw.split(',').map(s => s.trim()).filter(s => s !== '')) {
    const found = allowed.find(a => a === item)
    if (found === undefined) throw new UsageError(`--${flag}: unknown value ${JSON.stringify(item)}, expected one of ${allowed.join(', ')}`)
    if (!picked.includes(found)) picked.push(found)
  }
  return picked
}

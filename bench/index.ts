/*
 * corestore-ts vs corestore@5.8.2, side by side: `npm run bench` (or `node build/bench/index.js
 * --help`). Every run is a child process of its own; progress goes to stderr, the table to stdout.
 */
import fs = require('fs')
import os = require('os')
import path = require('path')
import type { RunResult } from './child'
import { parseOptions, usage, UsageError } from './options'
import type { BenchOptions } from './options'
import { json, markdown, stallReason, summarize } from './report'
import type { CaseResult, Environment } from './report'
import { abortActive, runOnce } from './runner'
import { caseSpec } from './workloads'

function version (pkg: string): string {
  try {
    const file = require.resolve(pkg + '/package.json', { paths: [path.join(__dirname, '..', '..')] })
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? '?'
  } catch {
    return '?'
  }
}

function describe (result: RunResult): string {
  if (result.status === 'ok') return `${result.timeMs.toFixed(0)} ms (CPU ${result.cpuMs.toFixed(0)} ms), heap Δ ${(result.heapDelta / 2 ** 20).toFixed(1)} MiB, fds Δ ${String(result.fdDelta)}`
  if (result.status === 'stalled') return `stalled at ${result.progress} (${stallReason(result)})`
  return `error: ${result.message.split('\n')[0] ?? ''}`
}

async function bench (options: BenchOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const name of options.cases) {
    const spec = caseSpec(name, options)
    const result: CaseResult = { spec, runs: {} }
    results.push(result)
    for (let rep = 0; rep < options.reps; rep++) {
      // Alternate which package goes first, so neither always runs on a warmer disk cache.
      const order = rep % 2 === 0 ? options.packages : [...options.packages].reverse()
      for (const pkg of order) {
        const runs = result.runs[pkg] ?? (result.runs[pkg] = [])
        // A stall or a crash repeats itself; running it again only costs another timeout.
        const status = summarize(runs)?.status
        if (status === 'stalled' || status === 'error') continue
        const started = process.hrtime.bigint()
        const run = await runOnce(pkg, spec, options.tmpDir, spec.timeoutSeconds * 1000)
        const childSeconds = (Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)
        runs.push(run)
        process.stderr.write(`${spec.name} [${spec.size}] ${pkg} run ${rep + 1}/${options.reps}: ${describe(run)} (process ${childSeconds} s)\n`)
      }
    }
  }
  return results
}

async function main (): Promise<void> {
  let options: BenchOptions
  try {
    options = parseOptions(process.argv.slice(2), process.env)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`${err.message}\n\n${usage()}\n`)
    process.exitCode = 2
    return
  }
  if (options.help) {
    process.stdout.write(usage() + '\n')
    return
  }
  if (!fs.statSync(options.tmpDir, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`--tmp-dir: ${options.tmpDir} is not a folder\n`)
    process.exitCode = 2
    return
  }

  process.on('SIGINT', () => {
    abortActive()
    process.exit(130)
  })

  const env: Environment = {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().length,
    reps: options.reps,
    versions: { hypercore: version('hypercore'), 'hypercore-protocol': version('hypercore-protocol') }
  }
  process.stderr.write(`benchmarking ${options.packages.join(' and ')}: ${options.cases.join(', ')}; ${options.reps} ${options.reps === 1 ? 'run' : 'runs'} each\n`)
  const results = await bench(options)
  process.stdout.write((options.json ? json(results, env, options) : markdown(results, env)) + '\n')
}

main().catch(err => {
  process.stderr.write(String(err instanceof Error ? err.stack : err) + '\n')
  process.exitCode = 1
})

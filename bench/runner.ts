import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs = require('fs')
import path = require('path')
import type { ChildSpec, RunResult } from './child'
import type { PackageName } from './options'
import type { CaseSpec } from './workloads'

const CHILD = path.join(__dirname, 'child.js')
/** Time a child gets beyond its own timeout for setup, teardown and starting node. */
const HARD_LIMIT_SLACK_MS = 120_000
const STDERR_TAIL = 4000

let active: { child: ChildProcess, dir: string } | null = null

/** Runs one package's workload once, in a fresh node process with its own empty folder under `tmpDir`. */
export async function runOnce (pkg: PackageName, spec: CaseSpec, tmpDir: string, timeoutMs: number): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(tmpDir, `corestore-bench-${spec.name}-`))
  const childSpec: ChildSpec = { pkg, spec, dir, timeoutMs }
  const child = fork(CHILD, [JSON.stringify(childSpec)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  active = { child, dir }
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL) })

  try {
    return await new Promise<RunResult>(resolve => {
      let result: RunResult | null = null
      const hardLimitMs = timeoutMs * 2 + HARD_LIMIT_SLACK_MS
      const killer = setTimeout(() => {
        result ??= { status: 'error', message: `no result within ${hardLimitMs / 1000} s; killed` }
        child.kill('SIGKILL')
      }, hardLimitMs)
      child.on('message', message => { result ??= message as RunResult })
      child.on('exit', (code, signal) => {
        clearTimeout(killer)
        const how = signal !== null ? `signal ${signal}` : `code ${String(code)}`
        resolve(result ?? { status: 'error', message: `exited with ${how} without a result\n${stderr.trim()}` })
      })
    })
  } finally {
    active = null
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Ends the running child and removes its folder (on Ctrl-C). */
export function abortActive (): void {
  if (active === null) return
  active.child.kill('SIGKILL')
  fs.rmSync(active.dir, { recursive: true, force: true })
  active = null
}

import test from 'node:test'
import assert from 'node:assert/strict'
import childProcess = require('child_process')
import fs = require('fs')
import path = require('path')
import { tmpdir } from './helpers/store'

const ROOT = path.resolve(__dirname, '..', '..')

/**
 * corestore@5.8.2's own test/all.js, unchanged, runs in a folder whose `..` is a one-line module
 * exporting corestore-ts (or, as the baseline, corestore@5.8.2 itself).
 */
async function runLegacySuite (target: string): Promise<{ tests: number, pass: number, fail: number, output: string }> {
  const { dir, cleanup } = await tmpdir('corestore5-suite-')
  try {
    await fs.promises.cp(path.join(ROOT, 'node_modules', 'corestore5', 'test'), path.join(dir, 'test'), { recursive: true })
    await fs.promises.writeFile(path.join(dir, 'index.js'), `module.exports = require(${JSON.stringify(target)})\n`)
    const output = await new Promise<string>((resolve, reject) => {
      childProcess.execFile(process.execPath, [path.join('test', 'all.js')], {
        cwd: dir,
        env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
        timeout: 120_000
      }, (err, stdout, stderr) => {
        if (err && err.killed) return reject(new Error('the suite timed out:\n' + stdout + stderr))
        resolve(stdout + stderr)
      })
    })
    const count = (label: string): number => Number(new RegExp(`^# ${label}\\s+(\\d+)`, 'm').exec(output)?.[1] ?? 0)
    return { tests: count('tests'), pass: count('pass'), fail: count('fail'), output }
  } finally {
    await cleanup()
  }
}

test('corestore@5.8.2\'s own test suite passes unchanged against corestore-ts (73 assertions)', async () => {
  const ours = await runLegacySuite(ROOT)
  assert.equal(ours.fail, 0, ours.output)
  assert.equal(ours.pass, 73, ours.output)
  assert.equal(ours.tests, 73)
})

test('the same suite passes against corestore@5.8.2 itself, so the count above is the real one', async () => {
  const baseline = await runLegacySuite(path.join(ROOT, 'node_modules', 'corestore5'))
  assert.equal(baseline.fail, 0, baseline.output)
  assert.equal(baseline.pass, 73, baseline.output)
})

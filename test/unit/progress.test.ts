import test from 'node:test'
import assert from 'node:assert/strict'
import { Progress, formatEta } from '../../bin/progress'
import type { ProgressStream } from '../../bin/progress'
import { exactBytes, formatBytes } from '../../bin/size'

/** A stream that records what is written, as a terminal `columns` wide or as a pipe. */
function fakeStream (opts: { isTTY: boolean, columns?: number }): ProgressStream & { writes: string[], text: () => string } {
  const writes: string[] = []
  return { isTTY: opts.isTTY, columns: opts.columns, writes, write: chunk => { writes.push(chunk) }, text: () => writes.join('') }
}

/** A clock that moves only when told. */
function fakeClock (): { now: () => number, advance: (ms: number) => void } {
  let at = 1_000_000
  return { now: () => at, advance: ms => { at += ms } }
}

/** 3000 blocks of 50 to 550 bytes, one every 50 ms. */
function download (progress: Progress, clock: { advance: (ms: number) => void }, blocks = 3000): void {
  for (let i = 0; i < blocks; i++) {
    clock.advance(50)
    progress.block(50 + (i * 37) % 500)
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g

test('on a 60-column terminal every redraw starts with \\r, stays on one line and is at most 60 characters wide', () => {
  const stream = fakeStream({ isTTY: true, columns: 60 })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 3000, totalBytes: 3000 * 300, have: 0, now: clock.now, tick: 0 })
  download(progress, clock)
  progress.finish()
  assert.ok(stream.writes.length > 100, `redrawn often: ${stream.writes.length}`)
  for (const write of stream.writes) {
    assert.ok(write.startsWith('\r'), `starts with \\r: ${JSON.stringify(write)}`)
    assert.ok(!write.includes('\n'), `no new line: ${JSON.stringify(write)}`)
    const visible = write.replace(ANSI, '').replace(/\r/g, '')
    assert.ok(visible.length <= 60, `${visible.length} characters: ${JSON.stringify(visible)}`)
  }
  const last = stream.writes.at(-2)?.replace(ANSI, '').replace(/\r/g, '') ?? ''
  assert.match(last, /\d+%/, 'shows the percentage')
  assert.match(last, /ETA \S+/, 'shows the time left')
  assert.equal(stream.writes.at(-1), '\r\x1b[K', 'finish clears the line')
})

test('the line fits every width, the narrow ones dropping fields rather than wrapping', () => {
  for (const columns of [8, 20, 30, 40, 60, 80, 120, 200]) {
    const stream = fakeStream({ isTTY: true, columns })
    const clock = fakeClock()
    const progress = new Progress({ stream, total: 123456, totalBytes: 123456 * 4096, have: 0, now: clock.now, tick: 0 })
    for (let i = 0; i < 500; i++) {
      clock.advance(13)
      progress.block(4096)
    }
    const line = progress.line(columns)
    assert.ok(line.length < columns, `${columns} columns: ${JSON.stringify(line)}`)
    if (columns >= 20) assert.match(line, /ETA/, `${columns} columns keep the ETA: ${line}`)
    if (columns >= 80) assert.match(line, /blocks .*\/s {2}ETA/, `${columns} columns show every field: ${line}`)
    if (columns >= 120) assert.match(line, /^\[[#-]+\] /, `${columns} columns have room for a bar: ${line}`)
  }
})

test('the rate is the current one, over the last seconds, not the average since the start', () => {
  const stream = fakeStream({ isTTY: true, columns: 80 })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 2000, totalBytes: 2000 * 1000, have: 0, now: clock.now, tick: 0 })
  // 10 s fast (100 KB/s), then 10 s slow (10 KB/s).
  for (let i = 0; i < 1000; i++) { clock.advance(10); progress.block(1000) }
  for (let i = 0; i < 100; i++) { clock.advance(100); progress.block(1000) }
  const rate = progress.rate()
  assert.ok(Math.abs(rate - 10_000) < 1000, `about 10 KB/s now, got ${rate}`)
  // 900 KB left at 10 KB/s: about a minute and a half.
  assert.match(progress.line(80), /ETA 1m3\ds/)
})

test('no ETA until the rate was measured over a few seconds: the first block alone does not make one', () => {
  const stream = fakeStream({ isTTY: true, columns: 80 })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 20_000, totalBytes: 20_000 * 4000, have: 0, now: clock.now, tick: 0 })
  // The first block after a round trip of half a second: 8 KB/s, which would say hours.
  clock.advance(500)
  progress.block(4000)
  assert.match(progress.line(80), /ETA \?$/)
  // Then 4 MB/s: two and a half seconds later the rate is known, and the ETA near the truth (18 s).
  for (let i = 0; i < 2500; i++) { clock.advance(1); progress.block(4000) }
  const eta = /ETA (\d+)s$/.exec(progress.line(80))?.[1]
  assert.ok(eta !== undefined && Number(eta) >= 15 && Number(eta) <= 30, `about 18 s left, got ${progress.line(80)}`)
})

test('a stall shows: the rate falls and the time left is unknown', () => {
  const stream = fakeStream({ isTTY: true, columns: 80 })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 100, totalBytes: 100 * 1000, have: 0, now: clock.now, tick: 0 })
  for (let i = 0; i < 10; i++) { clock.advance(100); progress.block(1000) }
  clock.advance(60_000)
  assert.equal(progress.rate(), 0)
  assert.match(progress.line(80), /ETA \?/)
})

test('when stderr is not a terminal it writes plain lines at every tenth, without \\r or escape codes', () => {
  const stream = fakeStream({ isTTY: false })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 3000, totalBytes: 3000 * 300, have: 0, now: clock.now })
  download(progress, clock)
  const summary = progress.finish()
  const text = stream.text()
  assert.doesNotMatch(text, /\r/)
  assert.doesNotMatch(text, ANSI)
  const lines = text.split('\n')
  assert.equal(lines.pop(), '', 'every line ends')
  assert.ok(lines.length >= 5 && lines.length <= 11, `a line at the start and a tenth at most, got ${lines.length}`)
  for (const line of lines) assert.match(line, /^Progress \d+%: \d+\/3000 blocks, .+\/s, ETA \S+$/)
  assert.equal(summary.blocks, 3000)
})

test('a download that starts part-way counts from what is already there', () => {
  const stream = fakeStream({ isTTY: true, columns: 80 })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 10, totalBytes: 10_000, have: 5, haveBytes: 5000, now: clock.now, tick: 0 })
  for (let i = 0; i < 5; i++) { clock.advance(100); progress.block(1000) }
  assert.match(progress.line(80), /^\S* ?100% {2}10\/10 blocks/)
  assert.deepEqual(progress.finish(), { blocks: 10, bytes: 5000, ms: 500 })
})

test('sizes read in binary units, or with every byte when asked', () => {
  assert.equal(formatBytes(1000), '1000 B')
  assert.equal(formatBytes(898_500), '877.4 KiB')
  assert.equal(formatBytes(80_088_890), '76.4 MiB')
  assert.equal(exactBytes(80_088_890), '80088890 B')
  const stream = fakeStream({ isTTY: false })
  const clock = fakeClock()
  const progress = new Progress({ stream, total: 2, totalBytes: 8_000_000, have: 0, now: clock.now, formatSize: exactBytes })
  clock.advance(1000)
  progress.block(4_000_000)
  assert.match(stream.text(), /^Progress 50%: 1\/2 blocks, 4000000 B\/8000000 B, 4000000 B\/s, ETA \?\n$/)
})

test('the time left reads in seconds, minutes or hours', () => {
  assert.equal(formatEta(0.2), '1s')
  assert.equal(formatEta(59), '59s')
  assert.equal(formatEta(65), '1m05s')
  assert.equal(formatEta(3 * 3600 + 120), '3h02m')
  assert.equal(formatEta(1e9), '>99h')
})

import test from 'node:test'
import assert from 'node:assert/strict'
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../bin/duration'

test('a duration takes ms, s, m and h, alone or combined, and fractions', () => {
  const cases: Array<[string, number]> = [
    ['500ms', 500],
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1h2m3s4ms', 3_723_004],
    ['1.5s', 1500],
    ['0.5m', 30_000],
    [' 90S ', 90_000]
  ]
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text)
})

test('a bare number is milliseconds, as --timeout always took it', () => {
  assert.equal(parseDuration('90'), 90)
  assert.equal(parseDuration('30000'), 30_000)
})

test('anything else is not a duration: null', () => {
  for (const text of ['', 'soon', '0', '0s', '-5s', '5 s', 's', '5x', '1.s', '.5s', '5s5', '1e3', '1,5s', String(MAX_DURATION_MS + 1), '25d', '1000h']) {
    assert.equal(parseDuration(text), null, JSON.stringify(text))
  }
  assert.equal(parseDuration(String(MAX_DURATION_MS)), MAX_DURATION_MS)
})

test('durations print as people read them', () => {
  assert.equal(formatDuration(500), '500 ms')
  assert.equal(formatDuration(1500), '1.5 s')
  assert.equal(formatDuration(30_000), '30 s')
  assert.equal(formatDuration(90_000), '1 min 30 s')
  assert.equal(formatDuration(3_600_000), '1 h')
  assert.equal(formatDuration(59_999), '60 s')
})

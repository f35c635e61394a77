/*
 * A preload (`node --require build/test/helpers/alias-corestore.js`) that makes every
 * `require('corestore')` in the process, from any folder (hyperdrive/index.js, hyperdrive/lib/storage.js,
 * the suites' own test files), load the module named by CORESTORE_ALIAS_TARGET: corestore-ts, or
 * corestore@5.8.2 as the baseline. The third-party suites then run unchanged, in place in node_modules.
 *
 * Those suites were written for tape@4 (tape@5 ends async tests on their own and fails every later
 * assertion), so CORESTORE_ALIAS_TAPE can point `require('tape')` at a tape@4 copy as well, and
 * CORESTORE_ALIAS_SKIP_TESTS (a JSON array of test names) registers those tests as skipped.
 *
 * CORESTORE_ALIAS_TOLERATED_REJECTIONS (a JSON array of regular expressions) lets the unhandled
 * rejections whose stack matches one of them pass, as node <= 14 did (a warning, not a crash), for
 * known races inside a suite's dependencies; they are listed at exit. Any other unhandled rejection
 * still ends the process, as node's default does.
 * Loaded without CORESTORE_ALIAS_TARGET it changes nothing and only exports the variables' names.
 */
import Module = require('module')

export const TARGET_ENV = 'CORESTORE_ALIAS_TARGET'
export const TAPE_ENV = 'CORESTORE_ALIAS_TAPE'
export const SKIP_TESTS_ENV = 'CORESTORE_ALIAS_SKIP_TESTS'
export const TOLERATED_REJECTIONS_ENV = 'CORESTORE_ALIAS_TOLERATED_REJECTIONS'
/** The stderr line, printed at exit, that says which file `require('corestore')` loaded and how often. */
export const REPORT_PREFIX = '# corestore alias:'
/** The stderr line, printed at exit, that lists the tolerated rejections (their first stack lines). */
export const TOLERATED_PREFIX = '# corestore alias tolerated:'

/** The parts of node's CommonJS loader that are not in its typings. */
interface Loader {
  _resolveFilename: (request: string, parent: unknown, isMain: boolean, options?: unknown) => string
  _load: (request: string, parent: unknown, isMain: boolean) => unknown
}

type TestArg = string | Record<string, unknown> | ((...args: unknown[]) => unknown) | undefined
type Tape = ((...args: TestArg[]) => unknown) & Record<string, unknown>

const loader = Module as unknown as Loader

/** Redirects `require('corestore')` (and `require('tape')`, when given) for the whole process. */
export function installAlias (target: string, tape: string | null, skipTests: ReadonlySet<string>): void {
  const resolveFilename = loader._resolveFilename
  const load = loader._load
  const resolved = new Set<string>()
  let requires = 0

  loader._resolveFilename = function (request, parent, isMain, options) {
    if (request === 'corestore') {
      const file = resolveFilename.call(this, target, parent, isMain, options)
      resolved.add(file)
      requires++
      return file
    }
    if (request === 'tape' && tape !== null) return resolveFilename.call(this, tape, parent, isMain, options)
    return resolveFilename.call(this, request, parent, isMain, options)
  }

  if (skipTests.size > 0) {
    const wrapped = new WeakMap<Tape, Tape>()
    loader._load = function (request, parent, isMain) {
      const loaded = load.call(this, request, parent, isMain)
      if (request !== 'tape' || typeof loaded !== 'function') return loaded
      const tapeFn = loaded as Tape
      let filtered = wrapped.get(tapeFn)
      if (filtered === undefined) {
        filtered = skipping(tapeFn, skipTests)
        wrapped.set(tapeFn, filtered)
      }
      return filtered
    }
  }

  process.on('exit', () => {
    process.stderr.write(`${REPORT_PREFIX} ${requires} requires -> ${JSON.stringify([...resolved])}\n`)
  })
}

/** tape with the named tests registered as skipped (tape prints them as `# SKIP`). */
function skipping (tape: Tape, names: ReadonlySet<string>): Tape {
  const filtered = function (this: unknown, ...args: TestArg[]): unknown {
    const name = args.find(arg => typeof arg === 'string')
    if (name === undefined || !names.has(name)) return tape.apply(this, args)
    const opts = args.find(arg => typeof arg === 'object' && arg !== null)
    const cb = args.find(arg => typeof arg === 'function')
    return tape.call(this, name, { ...(opts as Record<string, unknown> | undefined), skip: true }, cb)
  } as Tape
  Object.assign(filtered, tape)
  filtered.test = filtered
  return filtered
}

/**
 * Lets unhandled rejections that match `patterns` pass and rethrows any other (node's default, which
 * a listener would otherwise turn off).
 */
export function tolerateRejections (patterns: readonly RegExp[]): void {
  const tolerated: string[] = []
  process.on('unhandledRejection', reason => {
    const stack = reason instanceof Error ? String(reason.stack) : String(reason)
    if (!patterns.some(pattern => pattern.test(stack))) throw reason
    tolerated.push(stack.split('\n').slice(0, 2).map(line => line.trim()).join(' '))
  })
  process.on('exit', () => {
    process.stderr.write(`${TOLERATED_PREFIX} ${JSON.stringify(tolerated)}\n`)
  })
}

function parseStrings (name: string, json: string | undefined): string[] {
  if (json === undefined || json === '') return []
  const strings: unknown = JSON.parse(json)
  if (!Array.isArray(strings) || !strings.every(item => typeof item === 'string')) {
    throw new TypeError(`${name} must be a JSON array of strings, got ${json}`)
  }
  return strings
}

const target = process.env[TARGET_ENV]
if (target !== undefined && target !== '') {
  const tape = process.env[TAPE_ENV]
  installAlias(target, tape === undefined || tape === '' ? null : tape, new Set(parseStrings(SKIP_TESTS_ENV, process.env[SKIP_TESTS_ENV])))
  const tolerated = parseStrings(TOLERATED_REJECTIONS_ENV, process.env[TOLERATED_REJECTIONS_ENV])
  if (tolerated.length > 0) tolerateRejections(tolerated.map(source => new RegExp(source)))
}

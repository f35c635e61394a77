/*
 * A preload (`node --require build/test/helpers/alias-corestore.js`) that makes every
 * `require('corestore')` in the process, from any folder (hyperdrive/index.js, hyperdrive/lib/storage.js,
 * the suites' own test files), load the module named by CORESTORE_ALIAS_TARGET: corestore-ts, or
 * corestore@5.8.2 as the baseline. The third-party suites then run unchanged, in place in node_modules.
 *
 * Those suites were written for tape@4 (tape@5 ends async tests on their own and fails every later
 * assertion), so CORESTORE_ALIAS_TAPE can point `require('tape')` at a tape@4 copy as well, and
 * CORESTORE_ALIAS_SKIP_TESTS (a JSON array of test names) registers those tests as skipped.
 * Loaded without CORESTORE_ALIAS_TARGET it changes nothing and only exports the variables' names.
 */
import Module = require('module')

export const TARGET_ENV = 'CORESTORE_ALIAS_TARGET'
export const TAPE_ENV = 'CORESTORE_ALIAS_TAPE'
export const SKIP_TESTS_ENV = 'CORESTORE_ALIAS_SKIP_TESTS'
/** The stderr line, printed at exit, that says which file `require('corestore')` loaded and how often. */
export const REPORT_PREFIX = '# corestore alias:'

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

function parseSkipTests (json: string | undefined): Set<string> {
  if (json === undefined || json === '') return new Set()
  const names: unknown = JSON.parse(json)
  if (!Array.isArray(names) || !names.every(name => typeof name === 'string')) {
    throw new TypeError(`${SKIP_TESTS_ENV} must be a JSON array of test names, got ${json}`)
  }
  return new Set(names)
}

const target = process.env[TARGET_ENV]
if (target !== undefined && target !== '') {
  const tape = process.env[TAPE_ENV]
  installAlias(target, tape === undefined || tape === '' ? null : tape, parseSkipTests(process.env[SKIP_TESTS_ENV]))
}

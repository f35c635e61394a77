// The contract between the `corestore-ts` dispatcher and its subcommands (bin/commands/<name>.ts).
import fs = require('fs')
import { parseArgs } from 'util'
import type { ParseArgsConfig } from 'util'
import Corestore = require('../lib')
import { parseDuration } from './duration'
import { USAGE } from './errors'

/** A stream as the commands see it; `columns` is the terminal's width when `isTTY`. */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean, columns?: number }

/**
 * Where a command writes: process.stdout and process.stderr, or buffers in tests. Results go to
 * stdout (only JSON lines with `--json`); progress, warnings and errors go to stderr.
 */
export interface CliIO {
  stdout: CliStream
  stderr: CliStream
}

/** What each module in bin/commands/ exports as `command`. */
export interface Command {
  /** As typed after `corestore-ts`. */
  name: string
  /** One line for `corestore-ts --help`. */
  summary: string
  /** The whole text `corestore-ts <name> --help` prints, ending in a newline. */
  usage: string
  /**
   * Runs with the arguments after the command name and resolves with the exit code. Throw for bad
   * input: an error with a `code` is printed as the one line `corestore-ts: <message>`.
   */
  run (argv: string[], io: CliIO): Promise<number>
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
/**
 * Bad arguments: an unknown command or flag, a missing or extra argument, a malformed key, duration,
 * port or address, a file where a folder belongs. Failures while running (no peer, a timeout, a
 * folder that is not a store) exit EXIT_FAILURE.
 */
export const EXIT_USAGE = 2

export function isCommand (value: unknown): value is Command {
  const command = value as Partial<Command> | null
  return command !== null && typeof command === 'object' &&
    typeof command.name === 'string' && typeof command.summary === 'string' &&
    typeof command.usage === 'string' && typeof command.run === 'function'
}

/**
 * parseArgs as every command uses it, its errors rewritten as one short USAGE line each; `--help`
 * never reaches a command: the dispatcher answers it.
 */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> (argv: string[], options: T): ReturnType<typeof parseArgs<{ args: string[], options: T, allowPositionals: true, strict: true }>> {
  try {
    return parseArgs({ args: attachDashValues(argv, options), options, allowPositionals: true, strict: true })
  } catch (err) {
    throw USAGE(describeParseArgsError(err))
  }
}

/**
 * `--timeout -5s` as `--timeout=-5s`. parseArgs refuses a value that starts with a dash as
 * ambiguous, so the option's own check, which says what it expects, never saw it; written with
 * `=` it did. What follows a value-taking option is its value unless it is an option this command
 * knows: `--tcp --json` still lacks a value.
 */
function attachDashValues (argv: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const known = new Set(['--', '--help', '-h'])
  const takesValue = new Set<string>()
  for (const [name, option] of Object.entries(options)) {
    const spellings = option.short === undefined ? [`--${name}`] : [`--${name}`, `-${option.short}`]
    for (const spelling of spellings) {
      known.add(spelling)
      if (option.type === 'string') takesValue.add(spelling)
    }
  }
  const isKnownOption = (arg: string): boolean => known.has(arg.split('=', 1)[0] ?? arg)
  const args: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') return args.concat(argv.slice(i))
    const next = argv[i + 1]
    if (takesValue.has(arg) && next !== undefined && next.startsWith('-') && !isKnownOption(next)) {
      args.push(`${arg}=${next}`)
      i++
    } else {
      args.push(arg)
    }
  }
  return args
}

/**
 * parseArgs' messages in this tool's words: `Unknown option --bogus`, `--tcp needs a value`,
 * `--json takes no value`. parseArgs' own text (with its advice about `--` and unbalanced quotes)
 * is the fallback for a message it may add later.
 */
export function describeParseArgsError (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  const option = /'(-[^' ]+)/.exec(message)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) return `Unknown option ${option}`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    // Ambiguous: another option of the command follows (see attachDashValues).
    return /argument missing|ambiguous/.test(message) ? `${option} needs a value` : /does not take an argument/.test(message) ? `${option} takes no value` : `Bad value for ${option}`
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1]
    return arg === undefined ? 'Unexpected argument' : `Unexpected argument ${JSON.stringify(arg)}`
  }
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}

/** A key argument (64 hex or 52 z-base-32 characters); anything else is a usage error. */
export function parseKeyArgument (value: string, what: string): Buffer {
  try {
    return Corestore.parseKey(value, what)
  } catch {
    throw USAGE(Corestore.errors.INVALID_KEY(what, value, '64 hex characters or 52 z-base-32 characters').message)
  }
}

/** `--<flag> <duration>`: `90s`, `500ms`, `2m`, `1h`; a bare number is milliseconds. */
export function parseDurationOption (value: string, flag: string): number {
  const ms = parseDuration(value)
  if (ms === null) throw USAGE(`${flag} expects a duration such as 90s, 500ms, 2m or 1h (a bare number is milliseconds), got ${JSON.stringify(value)}`)
  return ms
}

/**
 * Fails with a usage error when `directory` exists but is not a folder; resolves whether it
 * exists. A missing folder is the caller's to judge (an error for seed, created by clone).
 */
export async function folderExists (directory: string): Promise<boolean> {
  let stat: fs.Stats
  try {
    stat = await fs.promises.stat(directory)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  if (!stat.isDirectory()) throw USAGE(`${directory} is a file, not a folder`)
  return true
}

/** The core a store folder holds under `discoveryKey`, or null when it holds none. */
export async function findStoredCore (directory: string, discoveryKey: Buffer): Promise<Corestore.StoredCore | null> {
  try {
    return await Corestore.describeStoredCore(directory, discoveryKey, null)
  } catch (err) {
    if ((err as { code?: unknown }).code === 'CORE_NOT_FOUND') return null
    throw err
  }
}

/**
 * A message in the tool's one style, sentence case without a final period. The library writes its
 * errors so; its inspection warnings are fragments (`named core, but …`) and a dependency's error
 * may end in a period. A message that opens with a literal (a flag, a path, a key) keeps it.
 */
export function asSentence (message: string): string {
  const text = message.replace(/(?<!\.)\.$/, '')
  return /^[a-z]+[\s,]/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text
}

/** Writes one JSON value as one line. */
export function writeJSON (stream: CliStream, value: unknown): void {
  stream.write(JSON.stringify(value) + '\n')
}

/** A key as the hex this tool prints. */
export function toHex (key: Buffer): string {
  return key.toString('hex')
}

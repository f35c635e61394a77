// The contract between the `corestore-ts` dispatcher and its subcommands (bin/commands/<name>.ts).
import { parseArgs } from 'util'
import type { ParseArgsConfig } from 'util'
import Corestore = require('../lib')

/** Where a command writes: process.stdout and process.stderr, or buffers in tests. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream
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
/** Bad arguments: an unknown command or flag, a missing or extra argument. */
export const EXIT_USAGE = 2

/** Bad arguments (exit code 2); the dispatcher points at the command's `--help`. */
export const USAGE = Corestore.errors.USAGE

export function isCommand (value: unknown): value is Command {
  const command = value as Partial<Command> | null
  return command !== null && typeof command === 'object' &&
    typeof command.name === 'string' && typeof command.summary === 'string' &&
    typeof command.usage === 'string' && typeof command.run === 'function'
}

/** parseArgs as every command uses it; `--help` never reaches a command: the dispatcher answers it. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>> (argv: string[], options: T): ReturnType<typeof parseArgs<{ args: string[], options: T, allowPositionals: true, strict: true }>> {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
}

#!/usr/bin/env node
// `corestore-ts <command> …`: finds the command module, runs it, turns every failure into one line.
import fs = require('fs')
import path = require('path')
import { asSentence, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, isCommand } from './command'
import type { CliIO, Command } from './command'
import { COMMAND_UNAVAILABLE, USAGE } from './errors'

const TOOL = 'corestore-ts'
/** In the order `--help` lists them; each lives in bin/commands/<name>. */
const COMMANDS = ['inspect', 'seed', 'clone', 'status', 'export']

/** Runs the tool with the arguments after `corestore-ts`; resolves with the exit code. */
export async function main (argv: string[], io: CliIO): Promise<number> {
  let command: Command | null = null
  try {
    const [name, ...rest] = argv
    if (name === undefined) throw USAGE(`No command given; the commands are ${COMMANDS.join(', ')}`)
    if (name === 'help' && rest[0] !== undefined) return await main([rest[0], '--help'], io)
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout.write(toolUsage())
      return EXIT_OK
    }
    if (name === '--version' || name === '-v') {
      io.stdout.write(version() + '\n')
      return EXIT_OK
    }
    if (name.startsWith('-')) throw USAGE(`Unknown option ${name} before the command`)
    if (!COMMANDS.includes(name)) throw USAGE(`Unknown command ${JSON.stringify(name)}; the commands are ${COMMANDS.join(', ')}`)
    command = loadCommand(name)
    if (command === null) throw COMMAND_UNAVAILABLE(`The ${name} command is not part of this build`)
    if (wantsHelp(rest)) {
      io.stdout.write(command.usage)
      return EXIT_OK
    }
    return await command.run(rest, io)
  } catch (err) {
    io.stderr.write(errorLine(err, command) + '\n')
    return isUsageError(err) ? EXIT_USAGE : EXIT_FAILURE
  }
}

/** The command module, or null when this build does not have it (loaded lazily: commands are added one by one). */
function loadCommand (name: string): Command | null {
  const file = path.join(__dirname, 'commands', name)
  try {
    require.resolve(file)
  } catch {
    return null
  }
  const loaded = require(file) as { command?: unknown }
  if (!isCommand(loaded.command)) throw COMMAND_UNAVAILABLE(`${file} does not export a command`)
  return loaded.command
}

/** `--help` or `-h` among the command's own arguments (not after `--`). */
function wantsHelp (argv: string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false
    if (arg === '--help' || arg === '-h') return true
  }
  return false
}

function toolUsage (): string {
  const available = COMMANDS.map(name => loadCommand(name)).filter((command): command is Command => command !== null)
  const width = Math.max(...available.map(command => command.name.length))
  return [
    `Usage: ${TOOL} <command> [options]`,
    '',
    'Tools for corestore@5 / corestore-ts store folders (Hypercore 9).',
    '',
    'Commands:',
    ...available.map(command => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Run \`${TOOL} <command> --help\` for the options of a command; \`${TOOL} --version\` prints the version.`,
    'Every command takes --json. Results go to stdout; progress, warnings and errors to stderr.',
    'Exit codes: 0 success, 1 failure while running, 2 usage error (bad option, argument, key,',
    'duration, port or address).',
    ''
  ].join('\n')
}

function version (): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf-8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

function isUsageError (err: unknown): boolean {
  const code = codeOf(err)
  return code === 'USAGE' || (code !== null && code.startsWith('ERR_PARSE_ARGS_'))
}

function codeOf (err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : null
}

/** One line, never a stack trace: expected errors carry a `code`; anything else is labelled unexpected. */
function errorLine (err: unknown, command: Command | null): string {
  const message = asSentence((err instanceof Error ? err.message : String(err)).replace(/\s*[\r\n]+\s*/g, ' ').trim())
  if (isUsageError(err)) {
    const help = command === null ? `${TOOL} --help` : `${TOOL} ${command.name} --help`
    return `${TOOL}: ${message} (see ${help})`
  }
  if (codeOf(err) !== null) return `${TOOL}: ${message}`
  return `${TOOL}: Unexpected error: ${message}`
}

if (require.main === module) {
  // `corestore-ts inspect … | head`: a closed pipe ends the output, not the process with a trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(errorLine(err, null) + '\n')
    process.exit(err.code === 'EPIPE' ? EXIT_OK : EXIT_FAILURE)
  })
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(code => {
    process.exitCode = code
  }, () => {
    process.exitCode = EXIT_FAILURE
  })
}

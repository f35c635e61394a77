// `corestore-ts inspect <folder>`: every core a store folder holds, read-only.
import path = require('path')
import Corestore = require('../../lib')
import { asSentence, EXIT_OK, folderExists, parseCommandArgs, parseKeyArgument, toHex } from '../command'
import type { CliIO, Command } from '../command'
import { USAGE } from '../errors'
import { formatBytes } from '../size'

type StoredCore = Corestore.StoredCore
type StoreInspection = Corestore.StoreInspection

const usage = `Usage: corestore-ts inspect <folder> [--json] [--wide] [--bytes] [--namespace <ns>] [--master-key <key>]

Lists every core a corestore@5 or corestore-ts store folder holds on disk, loaded or not: its
discovery key, public key, whether this store can write it (and why: a name it derives from the
master key, or a stored secret key), its name, its length in blocks and its size.
Reads only: it never writes, creates or locks a file in the folder, not even master_key, and it
works beside a running store that holds the folder (it says so on stderr).

Options:
  --json              print a JSON array of { discoveryKey, publicKey, writable, writableBecause,
                      name, nameHex, length, byteLength, warnings }
  --wide              on a terminal, print whole keys even when the table is wider than the
                      terminal (by default keys shrink to their first 8 hex digits and … then)
  --bytes             print sizes as exact byte counts (default: readable, such as 76.3 MiB)
  --namespace <ns>    only the cores of this namespace path (a, or a:b for namespace('a').namespace('b');
                      a Buffer namespace is its hex), as their name files tell: its default core,
                      its named cores and the namespaces below it
  --master-key <key>  the master key (64 hex or 52 z-base-32 characters) to check named cores
                      against, for a store opened with the masterKey option; default: the folder's
                      master_key file
  -h, --help          print this help

On a terminal it prints a table that fits the terminal's width: whole keys when they fit,
otherwise short ones (--wide for whole keys), and a name too long for the line is cut short.
Otherwise (a pipe, a file) one line per core with whole keys and tab-separated fields:
  discovery key, public key, writable | read-only, why (name | secret_key | -), length,
  size (76.3 MiB, or 80088890 with --bytes; ? when the tree lacks it), name (- for none,
  hex:<bytes> when not UTF-8; \\0 separates a namespace from a core name, \\\\, \\t, \\n and
  \\xNN escape other bytes)
Warnings about files that look wrong go to stderr, and so does the note that no core was found
(on a terminal it is the table's heading).

Exit codes: 0 once listed, 1 when the folder is missing or not a store, 2 for a usage error
(an unknown option, a malformed --master-key, a file given as the folder).
`

export const command: Command = {
  name: 'inspect',
  summary: 'list every core a store folder holds: keys, writability, names, lengths (read-only)',
  usage,
  async run (argv: string[], io: CliIO): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      wide: { type: 'boolean' },
      bytes: { type: 'boolean' },
      namespace: { type: 'string' },
      'master-key': { type: 'string' }
    })
    const [folder, ...extra] = positionals
    if (folder === undefined) throw USAGE('Inspect needs the store folder')
    if (extra.length > 0) throw USAGE(`Inspect takes one folder, got also ${extra.map(arg => JSON.stringify(arg)).join(' ')}`)

    const givenKey = values['master-key']
    const masterKey = givenKey === undefined ? null : parseKeyArgument(givenKey, '--master-key')
    if (values.namespace !== undefined && values.namespace.length === 0) throw USAGE('--namespace needs a namespace path, such as a or a:b')
    // Missing folders and folders that are no store are the run's failures; a file is a usage error.
    await folderExists(path.resolve(folder))

    const inspection = await Corestore.inspectStoreFolder(folder, {
      masterKey,
      ...(values.namespace === undefined ? {} : { namespace: values.namespace })
    })
    for (const warning of inspection.warnings) io.stderr.write(`corestore-ts: warning: ${asSentence(warning)}\n`)
    if (inspection.inUse === true) io.stderr.write(`corestore-ts: note: ${inspection.directory} is in use by a running store; read without its lock, so a core it is writing may show an older length\n`)

    if (values.json === true) {
      io.stdout.write(JSON.stringify(inspection.cores.map(toJSON), null, 2) + '\n')
      return EXIT_OK
    }
    for (const core of inspection.cores) {
      for (const warning of core.warnings) io.stderr.write(`corestore-ts: warning: Core ${toHex(core.discoveryKey)}: ${warning}\n`)
    }
    if (inspection.cores.length === 0) {
      const none = `No cores in ${describeWhere(inspection, values.namespace)}`
      // Piped, stdout stays one line per core (none here): the person reading is told on stderr.
      if (io.stdout.isTTY === true) io.stdout.write(none + '\n')
      else io.stderr.write(`corestore-ts: note: ${none}\n`)
      return EXIT_OK
    }
    const size = values.bytes === true ? exactSize : readableSize
    io.stdout.write(io.stdout.isTTY === true
      ? table(inspection, values.namespace, size, values.wide === true ? Infinity : io.stdout.columns ?? DEFAULT_COLUMNS)
      : lines(inspection.cores, size))
    return EXIT_OK
  }
}

function toJSON (core: StoredCore): Record<string, unknown> {
  return {
    discoveryKey: toHex(core.discoveryKey),
    publicKey: toHex(core.publicKey),
    writable: core.writable,
    writableBecause: core.writableBecause,
    name: core.name,
    nameHex: core.nameHex,
    length: core.length,
    byteLength: core.byteLength,
    warnings: core.warnings
  }
}

/** A core's size in a column of its own: its title, and the cell of each core. */
interface SizeColumn {
  title: string
  cell (core: StoredCore): string
}

// `?` where the tree lacks the byte length. Exact, the column holds bare numbers, as a script wants.
const readableSize: SizeColumn = { title: 'SIZE', cell: core => core.byteLength === null ? '?' : formatBytes(core.byteLength) }
const exactSize: SizeColumn = { title: 'BYTES', cell: core => core.byteLength === null ? '?' : String(core.byteLength) }

function lines (cores: StoredCore[], size: SizeColumn): string {
  return cores.map(core => [
    toHex(core.discoveryKey),
    toHex(core.publicKey),
    core.writable ? 'writable' : 'read-only',
    core.writableBecause ?? '-',
    String(core.length),
    size.cell(core),
    displayName(core)
  ].join('\t') + '\n').join('')
}

/** A terminal that does not say how wide it is: as wide as most. */
const DEFAULT_COLUMNS = 80
/** Hex digits a short key keeps: enough to tell the cores of one folder apart, and to grep for. */
const SHORT_KEY = 8

/** The table for a terminal `columns` wide (Infinity: whole keys, however wide). */
function table (inspection: StoreInspection, namespace: string | undefined, size: SizeColumn, columns: number): string {
  const { cores } = inspection
  const key = inspection.masterKeySource === 'file'
    ? 'master key from its master_key file'
    : inspection.masterKeySource === 'option' ? 'master key from --master-key' : 'no master key (named cores show as read-only)'
  const heading = `${cores.length} ${cores.length === 1 ? 'core' : 'cores'} in ${describeWhere(inspection, namespace)}; ${key}\n`

  const full = tableLines(cores, size, key => toHex(key), ['DISCOVERY KEY', 'PUBLIC KEY'])
  if (full.every(line => line.length < columns)) return heading + '\n' + full.join('\n') + '\n'
  // Short keys, and whatever still overflows (a long name) cut at the edge: one line per row.
  const short = tableLines(cores, size, key => toHex(key).slice(0, SHORT_KEY) + '…', ['DISCOVERY', 'KEY']).map(line => line.length < columns ? line : line.slice(0, Math.max(1, columns - 2)) + '…')
  return heading + '\n' + short.join('\n') + '\n' + '(Keys shortened to fit; --wide shows them whole)\n'
}

/** The folder, and the namespace when one was asked for. */
function describeWhere (inspection: StoreInspection, namespace: string | undefined): string {
  return namespace === undefined ? inspection.directory : `${inspection.directory}, namespace ${JSON.stringify(namespace)}`
}

/** The header and a row per core, columns aligned, without line ends. */
function tableLines (cores: StoredCore[], size: SizeColumn, showKey: (key: Buffer) => string, keyTitles: [string, string]): string[] {
  const header = [...keyTitles, 'WRITABLE', 'LENGTH', size.title, 'NAME']
  const rows = cores.map(core => [
    showKey(core.discoveryKey),
    showKey(core.publicKey),
    core.writableBecause === 'name' ? 'yes (name)' : core.writableBecause === 'secret_key' ? 'yes (secret key)' : 'no',
    String(core.length),
    size.cell(core),
    displayName(core)
  ])
  const numeric = [false, false, false, true, true, false]
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map(row => (row[i] ?? '').length)))
  const format = (row: string[]): string => row.map((cell, i) => {
    if (i === row.length - 1) return cell
    const width = widths[i] ?? 0
    return numeric[i] === true ? cell.padStart(width) : cell.padEnd(width)
  }).join('  ')
  return [format(header), ...rows.map(format)]
}

/** A name as one printable token: UTF-8 with control characters escaped, `hex:` otherwise. */
function displayName (core: StoredCore): string {
  if (core.nameHex === null) return '-'
  if (core.name === null) return `hex:${core.nameHex}`
  return core.name.replace(/[\\\u0000-\u001f\u007f]/g, char => { // eslint-disable-line no-control-regex
    if (char === '\\') return '\\\\'
    if (char === '\u0000') return '\\0'
    if (char === '\t') return '\\t'
    if (char === '\n') return '\\n'
    return '\\x' + char.charCodeAt(0).toString(16).padStart(2, '0')
  })
}

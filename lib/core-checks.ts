// The arguments of a core's methods, checked before hypercore@9 sees them: hypercore crashes the
// process on some (`truncate(-1)`), throws out of its callback API on others (`clear('a')`), never
// calls back on others (`get(-1)`), and accepts the rest silently. Each check is a pure function that
// returns the coded error to deliver, or null.
import { BLOCK_TOO_LARGE, describe, INVALID_ARGUMENT, INVALID_OPTIONS, INVALID_RANGE } from './errors'
import type { CorestoreError } from './errors'
import type { Codec } from './hypercore9'

/** hypercore@9 refuses a block larger than this (index.js `_append`: "Individual blocks has be less than 8MB"). */
export const MAX_BLOCK_BYTES = 8 * 1024 * 1024

/** The value encodings hypercore@9's `codecs` knows by name (any other string silently meant binary). */
export const VALUE_ENCODINGS: ReadonlySet<string> = new Set([
  'binary', 'buffer', 'json', 'ndjson', 'ascii', 'utf8', 'utf-8', 'hex', 'base64', 'ucs2', 'ucs-2', 'utf16le', 'utf16-le'
])

/** The string encodings of `codecs` and what Buffer calls them: a block is `String(value)` in that encoding. */
const STRING_ENCODINGS = new Map<string, BufferEncoding>([
  ['ascii', 'ascii'], ['utf8', 'utf8'], ['utf-8', 'utf8'], ['hex', 'hex'], ['base64', 'base64'],
  ['ucs2', 'ucs2'], ['ucs-2', 'ucs2'], ['utf16le', 'utf16le'], ['utf16-le', 'utf16le']
])

/** A block index (or a length): a whole number from 0 up to Number.MAX_SAFE_INTEGER. */
export function checkIndex (what: string, value: unknown): CorestoreError | null {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return null
  return INVALID_ARGUMENT(what, value, 'a whole number >= 0')
}

/** An index that may be left out (undefined or null). */
export function checkOptionalIndex (what: string, value: unknown): CorestoreError | null {
  return value === undefined || value === null ? null : checkIndex(what, value)
}

/** A range of blocks: both ends indexes and `start <= end`. */
export function checkRange (start: unknown, end: unknown): CorestoreError | null {
  const err = checkIndex('start index', start) ?? checkIndex('end index', end)
  if (err !== null) return err
  if ((start as number) > (end as number)) return INVALID_RANGE('range', start as number, end as number)
  return null
}

/** `truncate(length)` once the core is open: a length from 0 to the current length. */
export function checkTruncateLength (length: unknown, currentLength: number): CorestoreError | null {
  const err = checkIndex('length to truncate to', length)
  if (err !== null) return err
  if ((length as number) > currentLength) return INVALID_ARGUMENT('length to truncate to', length, `at most the core's length, ${currentLength}`)
  return null
}

/** An options argument: absent, or an object (not an array); its `valueEncoding`, when given, checked too. */
export function checkOptions (what: string, value: unknown): CorestoreError | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object' || Array.isArray(value)) return INVALID_ARGUMENT(what, value, 'an options object')
  return checkValueEncoding((value as { valueEncoding?: unknown }).valueEncoding)
}

/** A `valueEncoding`: absent, a name `codecs` knows, or a codec with `encode` and `decode`. */
export function checkValueEncoding (value: unknown, code: 'INVALID_ARGUMENT' | 'INVALID_OPTIONS' = 'INVALID_ARGUMENT'): CorestoreError | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' && VALUE_ENCODINGS.has(value)) return null
  if (typeof value === 'object') {
    const codec = value as Partial<Codec>
    if (typeof codec.encode === 'function' && typeof codec.decode === 'function') return null
  }
  const expected = `one of ${[...VALUE_ENCODINGS].join(', ')}, or a codec { encode, decode }`
  if (code === 'INVALID_OPTIONS') return INVALID_OPTIONS(`Invalid valueEncoding: got ${describe(value)}, expected ${expected}`)
  return INVALID_ARGUMENT('valueEncoding', value, expected)
}

/** `download(range)`: absent, an index, an array of indexes, or `{ start, end, blocks }` with start <= end (end -1: open-ended). */
export function checkDownloadRange (range: unknown): CorestoreError | null {
  if (range === undefined || range === null) return null
  if (typeof range === 'number') return checkIndex('block to download', range)
  if (Array.isArray(range)) return checkBlockList(range)
  if (typeof range !== 'object') return INVALID_ARGUMENT('download range', range, 'an index, an array of indexes or { start, end }')
  const { start, end, blocks } = range as { start?: unknown, end?: unknown, blocks?: unknown }
  const err = checkOptionalIndex('start of the download range', start) ??
    (end === -1 ? null : checkOptionalIndex('end of the download range', end))
  if (err !== null) return err
  if (typeof start === 'number' && typeof end === 'number' && end !== -1 && start > end) {
    return INVALID_RANGE('download range', start, end)
  }
  if (blocks !== undefined && blocks !== null) {
    if (!Array.isArray(blocks)) return INVALID_ARGUMENT('blocks of the download range', blocks, 'an array of indexes')
    return checkBlockList(blocks)
  }
  return null
}

function checkBlockList (blocks: unknown[]): CorestoreError | null {
  for (const block of blocks) {
    const err = checkIndex('block to download', block)
    if (err !== null) return err
  }
  return null
}

/** A signature or other binary argument. */
export function checkBytes (what: string, value: unknown): CorestoreError | null {
  if (value instanceof Uint8Array) return null
  return INVALID_ARGUMENT(what, value, 'a Buffer')
}

/**
 * What `append(data)` may be given under the core's codec: a block or an array of blocks, each of
 * which the codec can encode into at most MAX_BLOCK_BYTES. With binary, a block is a Buffer, a
 * Uint8Array (any ArrayBuffer view) or a string; with a string encoding anything but undefined and
 * null (the codec stringifies it); with json or a custom codec any value it encodes (it is encoded here
 * once to know, which costs one more encoding per block).
 */
export function checkBlocks (data: unknown, codec: Codec): CorestoreError | null {
  const blocks = Array.isArray(data) ? data : [data]
  for (const block of blocks) {
    const err = checkBlock(block, codec)
    if (err !== null) return err
  }
  return null
}

function checkBlock (block: unknown, codec: Codec): CorestoreError | null {
  const name = codec.name
  if (name === 'binary') {
    if (typeof block === 'string') return checkStringSize(block, 'utf8')
    if (ArrayBuffer.isView(block)) return block.byteLength > MAX_BLOCK_BYTES ? BLOCK_TOO_LARGE(block.byteLength, MAX_BLOCK_BYTES) : null
    return INVALID_ARGUMENT('block to append', block, 'a Buffer, a Uint8Array or a string (or an array of them)')
  }
  const encoding = name === undefined ? undefined : STRING_ENCODINGS.get(name)
  if (encoding !== undefined) {
    if (block === undefined || block === null) return INVALID_ARGUMENT('block to append', block, `a value to encode as ${name as string}`)
    if (typeof block === 'string') return checkStringSize(block, encoding)
  }
  if (name === 'json' || name === 'ndjson') return checkJson(block, name)
  // A custom codec, or a non-string value of a string codec: only encoding tells.
  let encoded: unknown
  try {
    encoded = codec.encode(block)
  } catch (err) {
    return INVALID_ARGUMENT('block to append', block, `a value the ${name ?? 'custom'} encoding can encode (${(err as Error).message})`)
  }
  if (!ArrayBuffer.isView(encoded)) return INVALID_ARGUMENT('block to append', block, `a value the ${name ?? 'custom'} encoding encodes into bytes`)
  return encoded.byteLength > MAX_BLOCK_BYTES ? BLOCK_TOO_LARGE(encoded.byteLength, MAX_BLOCK_BYTES) : null
}

function checkJson (block: unknown, name: string): CorestoreError | null {
  let text: string | undefined
  try {
    text = JSON.stringify(block)
  } catch (err) {
    return INVALID_ARGUMENT('block to append', block, `a value JSON can encode (${(err as Error).message})`)
  }
  // undefined, a function or a symbol: ndjson would store the text "undefined", which no one can read back.
  if (text === undefined) return INVALID_ARGUMENT('block to append', block, 'a value JSON can encode')
  return checkStringSize(text + (name === 'ndjson' ? '\n' : ''), 'utf8')
}

function checkStringSize (block: string, encoding: BufferEncoding): CorestoreError | null {
  // Counting bytes costs a pass over the string: only strings that might be too large pay it.
  if (block.length * 3 <= MAX_BLOCK_BYTES) return null
  const bytes = Buffer.byteLength(block, encoding)
  return bytes > MAX_BLOCK_BYTES ? BLOCK_TOO_LARGE(bytes, MAX_BLOCK_BYTES) : null
}

/** The hypercore options of a store or a `get` (thrown as INVALID_OPTIONS: those calls throw): `valueEncoding` for now. */
export function checkCoreOptions (opts: { valueEncoding?: unknown }): CorestoreError | null {
  return checkValueEncoding(opts.valueEncoding, 'INVALID_OPTIONS')
}

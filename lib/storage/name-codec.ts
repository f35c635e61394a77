// A core's `name` file: a varint length, then the name's bytes (corestore@5's derived-key-storage format).
import varint = require('varint')

export function encodeName (name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(varint.encode(name.length)), name])
}

/** The name a `name` file holds; `null` when the bytes are not exactly one non-empty name. */
export function decodeName (buf: Buffer): Buffer | null {
  let length: number
  try {
    length = varint.decode(buf, 0)
  } catch {
    return null
  }
  const offset = varint.decode.bytes
  if (length === 0 || offset + length !== buf.length) return null
  return buf.subarray(offset)
}

declare module 'varint' {
  interface Decode {
    /** Throws a RangeError when `buf` holds no complete varint at `offset`. */
    (buf: Uint8Array, offset?: number): number
    /** How many bytes the last decode read. */
    bytes: number
  }
  interface Encode {
    (num: number, out?: number[] | Uint8Array, offset?: number): number[]
    bytes: number
  }
  export const encode: Encode
  export const decode: Decode
  export function encodingLength (num: number): number
}

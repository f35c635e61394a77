declare module 'random-access-file' {
  import RandomAccessStorage = require('random-access-storage')

  interface RandomAccessFileOptions {
    directory?: string
    truncate?: boolean
    size?: number
    readable?: boolean
    writable?: boolean
    lock?: unknown
    sparse?: boolean
  }

  function RandomAccessFile (filename: string, opts?: RandomAccessFileOptions): RandomAccessStorage
  export = RandomAccessFile
}

declare module 'random-access-file' {
  import { EventEmitter } from 'node:events'
  import type { Stats } from 'node:fs'

  namespace RandomAccessFile {
    interface Options {
      /** Truncate the file to 0 on open. @default false */
      truncate?: boolean
      /** Truncate (or extend) the file to this size on open; also creates it. */
      size?: number
      /** @default true */
      readable?: boolean
      /** @default true */
      writable?: boolean
      /** Take an exclusive lock (shared when read-only), needs fs-native-extensions. @default false */
      lock?: boolean
      /** Mark the file sparse, needs fs-native-extensions. @default false */
      sparse?: boolean
      /** Resolve `filename` inside this directory. */
      directory?: string
      /** On unlink, remove emptied parent directories up to `directory`. @default false */
      rmdir?: boolean
      /** Allocates read buffers. @default Buffer.allocUnsafe */
      alloc?: (size: number) => Buffer
      /** Caps the number of open descriptors shared by the files of a pool. */
      pool?: Pool
    }

    interface Pool {
      readonly maxSize: number
    }

    type Callback = (err: Error | null) => void
    type ReadCallback = (err: Error | null, data?: Buffer) => void

    /** Errors carry fs codes (ENOENT, EACCES, …) or EPARTIALREAD for short reads. */
    interface FileError extends Error {
      code?: string
      path?: string
    }
  }

  /**
   * A file read and written at random offsets. Opening is lazy: reads open the file without
   * creating it (so a missing file fails with ENOENT); the first write creates it and its parent
   * directories.
   */
  class RandomAccessFile extends EventEmitter {
    constructor (filename: string, opts?: RandomAccessFile.Options)
    static createPool (maxSize: number): RandomAccessFile.Pool

    readonly filename: string
    readonly directory: string | null
    fd: number

    readonly opened: boolean
    readonly suspended: boolean
    readonly closed: boolean
    readonly unlinked: boolean
    readonly writing: boolean
    readonly readable: boolean
    readonly writable: boolean
    readonly deletable: boolean
    readonly truncatable: boolean
    readonly statable: boolean

    open (cb?: RandomAccessFile.Callback): void
    read (offset: number, size: number, cb: RandomAccessFile.ReadCallback): void
    write (offset: number, data: Uint8Array, cb?: RandomAccessFile.Callback): void
    del (offset: number, size: number, cb?: RandomAccessFile.Callback): void
    truncate (offset: number, cb?: RandomAccessFile.Callback): void
    stat (cb: (err: Error | null, stat?: Stats) => void): void
    suspend (cb?: RandomAccessFile.Callback): void
    close (cb?: RandomAccessFile.Callback): void
    unlink (cb?: RandomAccessFile.Callback): void
  }

  export = RandomAccessFile
}

declare module 'bencode' {
  /** What `decode` gives back (null for empty input): byte strings stay bytes unless an encoding is asked for. */
  export type BencodeDecoded = number | Uint8Array | string | BencodeDecoded[] | { [key: string]: BencodeDecoded }

  interface Encode {
    (data: unknown): Uint8Array
    <T extends ArrayBufferView>(data: unknown, buffer: T, offset?: number): T
    /** Length of the last encoding. */
    bytes: number
  }

  interface Decode {
    (data: Uint8Array | string, encoding?: string): BencodeDecoded | null
    (data: Uint8Array | string, start?: number, end?: number, encoding?: string): BencodeDecoded | null
    /** Length of the last decoded input. */
    bytes: number
  }

  const bencode: {
    encode: Encode
    decode: Decode
    byteLength (value: unknown): number
    encodingLength (value: unknown): number
  }

  export default bencode
}

import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { SilmarilError } from '../../src/errors.js'
import { bdecode, bencode, dictGet, RawBencode, type BencodeNode } from '../../src/share/torrent/bencode.js'
import type { FileHashes } from '../../src/share/torrent/hash-files.js'
import { createHybridTorrent } from '../../src/share/torrent/hybrid-torrent.js'
import { magnetUri, parseMagnet } from '../../src/share/torrent/magnet.js'
import { fileMerkle } from '../../src/share/torrent/merkle.js'
import { parseHybridTorrent, verifyPieceLayers } from '../../src/share/torrent/parse-hybrid-torrent.js'
import { sortTorrentFiles } from '../../src/share/torrent/torrent-paths.js'
import { paddedTails } from '../../src/share/torrent/v1-layout.js'
import { seededBytes } from '../helpers/seeded-bytes.js'

const PIECE = 32768


/** File hashes computed in memory, independently of hashFiles and its workers. */
function memoryHashes (files: Record<string, Buffer>, pieceLength = PIECE): FileHashes[] {
  const sorted = sortTorrentFiles(Object.keys(files).map(path => ({ path })))
  const tails = paddedTails(sorted.map(({ path }) => files[path]!.length))
  return sorted.map(({ path }, index) => {
    const data = files[path]!
    const v1: Buffer[] = []
    for (let offset = 0; offset < data.length; offset += pieceLength) {
      const piece = data.subarray(offset, offset + pieceLength)
      v1.push(createHash('sha1').update(piece).update(tails[index]! ? Buffer.alloc(pieceLength - piece.length) : Buffer.alloc(0)).digest())
    }
    return { path, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), ...fileMerkle(data, pieceLength), v1Pieces: Buffer.concat(v1), v1TailPadded: tails[index]! }
  })
}

const FILES = {
  'model.safetensors': seededBytes(3 * PIECE + 100),
  'config.json': seededBytes(500),
  'empty': Buffer.alloc(0),
  'tokenizer/merges.txt': seededBytes(PIECE),
  'tokenizer/vocab.json': seededBytes(PIECE + 1),
  'a/b/c.bin': seededBytes(7)
}

const text = (node: BencodeNode | undefined): string => node?.kind === 'bytes' ? Buffer.from(node.value).toString() : assert.fail('not bytes')
const int = (node: BencodeNode | undefined): number => node?.kind === 'int' ? node.value : assert.fail('not an int')

test('v1 files: torrent order, a pad before each non-empty file that would start mid-piece, none at the end', () => {
  const { info } = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes(FILES) })
  const files = dictGet(bdecode(info), 'files')
  assert.equal(files?.kind, 'list')
  const listed = files.items.map(entry => {
    const path = dictGet(entry, 'path')
    assert.equal(path?.kind, 'list')
    const attr = dictGet(entry, 'attr')
    return `${path.items.map(text).join('/')}:${int(dictGet(entry, 'length'))}${attr === undefined ? '' : `:${text(attr)}`}`
  })
  assert.deepEqual(listed, [
    'a/b/c.bin:7',
    `.pad/${PIECE - 7}:${PIECE - 7}:p`,
    'config.json:500',
    'empty:0',
    `.pad/${PIECE - 500}:${PIECE - 500}:p`,
    `model.safetensors:${3 * PIECE + 100}`,
    `.pad/${PIECE - 100}:${PIECE - 100}:p`,
    `tokenizer/merges.txt:${PIECE}`,
    `tokenizer/vocab.json:${PIECE + 1}`
  ])
})

test('the info dict holds the v2 file tree, meta version 2 and the v1 pieces; nothing time-dependent at the top', () => {
  const hashes = memoryHashes(FILES)
  const { torrent, info, pieceCount } = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: hashes })
  const top = bdecode(torrent)
  assert.equal(top.kind, 'dict')
  assert.deepEqual(top.entries.map(entry => Buffer.from(entry.key).toString()), ['info', 'piece layers'])
  const infoNode = bdecode(info)
  assert.equal(infoNode.kind, 'dict')
  assert.deepEqual(infoNode.entries.map(entry => Buffer.from(entry.key).toString()), ['file tree', 'files', 'meta version', 'name', 'piece length', 'pieces'])
  assert.equal(int(dictGet(infoNode, 'meta version')), 2)
  assert.equal(int(dictGet(infoNode, 'piece length')), PIECE)
  assert.equal(text(dictGet(infoNode, 'name')), 'm')
  assert.equal(pieceCount, 1 + 1 + 4 + 1 + 2)
  const tree = dictGet(infoNode, 'file tree')
  const leaf = dictGet(dictGet(dictGet(tree, 'tokenizer'), 'vocab.json'), '')
  assert.equal(int(dictGet(leaf, 'length')), PIECE + 1)
  const vocab = hashes.find(file => file.path === 'tokenizer/vocab.json')!
  const root = dictGet(leaf, 'pieces root')
  assert.equal(root?.kind, 'bytes')
  assert.deepEqual(Buffer.from(root.value), Buffer.from(vocab.piecesRoot!))
  assert.equal(dictGet(dictGet(dictGet(tree, 'empty'), ''), 'pieces root'), undefined, 'empty files have no pieces root')
  const layers = dictGet(top, 'piece layers')
  assert.equal(layers?.kind, 'dict')
  assert.equal(layers.entries.length, 2, 'only files larger than one piece have a layer')
})

test('the same files give the same bytes and infohashes, whatever order they come in', () => {
  const once = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes(FILES) })
  const reversed = Object.fromEntries(Object.entries(FILES).reverse())
  const again = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes(reversed).reverse() })
  assert.deepEqual(again.torrent, once.torrent)
  assert.equal(again.infoHashV1, once.infoHashV1)
  assert.equal(again.infoHashV2, once.infoHashV2)
  assert.equal(once.infoHashV1, createHash('sha1').update(once.info).digest('hex'))
  assert.equal(once.infoHashV2, createHash('sha256').update(once.info).digest('hex'))
})

test('parsing our own torrent gives back names, pads, offsets, roots and layers', () => {
  const hashes = memoryHashes(FILES)
  const made = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: hashes })
  const parsed = parseHybridTorrent(made.torrent)
  assert.equal(parsed.name, 'm')
  assert.equal(parsed.pieceLength, PIECE)
  assert.equal(parsed.pieceCount, made.pieceCount)
  assert.equal(parsed.infoHashV1, made.infoHashV1)
  assert.equal(parsed.infoHashV2, made.infoHashV2)
  assert.deepEqual(parsed.info, made.info)
  const real = parsed.files.filter(file => !file.pad)
  assert.deepEqual(real.map(file => file.path), hashes.map(file => file.path))
  assert.deepEqual(real.map(file => file.piecesRoot), hashes.map(file => file.piecesRoot))
  for (const file of parsed.files) {
    if (!file.pad && file.size > 0) assert.equal(file.offset % PIECE, 0, `${file.path} starts on a piece boundary`)
  }
  assert.ok(parsed.files.filter(file => file.pad).every(file => /^\.pad\/\d+$/.test(file.path)))
  verifyPieceLayers(parsed)
  assert.equal(made.magnet, magnetUri({ infoHashV1: made.infoHashV1, infoHashV2: made.infoHashV2, name: 'm' }))
})

test('a one-file torrent named like its file is single-file: v1 length, no files list', () => {
  const made = createHybridTorrent({ name: 'model.gguf', pieceLength: PIECE, files: memoryHashes({ 'model.gguf': seededBytes(2 * PIECE + 3) }) })
  const info = bdecode(made.info)
  assert.equal(int(dictGet(info, 'length')), 2 * PIECE + 3)
  assert.equal(dictGet(info, 'files'), undefined)
  const parsed = parseHybridTorrent(made.torrent)
  assert.deepEqual(parsed.files.map(file => [file.path, file.size, file.pad]), [['model.gguf', 2 * PIECE + 3, false]])
  verifyPieceLayers(parsed)
})

test('a tampered piece layer fails verification, naming the file', () => {
  const made = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes(FILES) })
  const parsed = parseHybridTorrent(made.torrent)
  const [root, layer] = [...parsed.pieceLayers][0]!
  const broken = layer.slice()
  broken[0]! ^= 0xff
  parsed.pieceLayers.set(root, broken)
  assert.throws(() => { verifyPieceLayers(parsed) }, (err: SilmarilError) => err.code === 'verification_failed' && /model\.safetensors|vocab\.json/.test(err.message))
  parsed.pieceLayers.delete(root)
  assert.throws(() => { verifyPieceLayers(parsed) }, (err: SilmarilError) => err.code === 'verification_failed' && /no piece layer/.test(err.message))
})

test('infohashes come from the raw info bytes, even where re-encoding would change them', () => {
  const made = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes({ 'a.bin': seededBytes(10), 'b.bin': seededBytes(20) }) })
  const info = bdecode(made.info)
  assert.equal(info.kind, 'dict')
  // Unsorted keys: valid to read, but any re-encoding would sort them and change the hash.
  const reordered = Buffer.concat([Buffer.from('d'), ...[...info.entries].reverse().map(({ key, value }) => Buffer.concat([Buffer.from(`${key.length}:`), key, made.info.subarray(value.start, value.end)])), Buffer.from('e')])
  const torrent = bencode(new Map<string, RawBencode | Map<string, number>>([['info', new RawBencode(reordered)], ['piece layers', new Map()]]))
  const parsed = parseHybridTorrent(torrent)
  assert.equal(parsed.infoHashV1, createHash('sha1').update(reordered).digest('hex'))
  assert.equal(parsed.infoHashV2, createHash('sha256').update(reordered).digest('hex'))
  assert.notEqual(parsed.infoHashV1, made.infoHashV1)
  assert.deepEqual(parsed.info, new Uint8Array(reordered))
})

test('torrents that are not hybrid or whose v1 and v2 views disagree are refused', () => {
  const made = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes({ 'a.bin': seededBytes(10), 'b.bin': seededBytes(20) }) })
  const v1Only = bencode({ info: { name: 'm', 'piece length': PIECE, pieces: Buffer.alloc(20), length: 5 } })
  assert.throws(() => parseHybridTorrent(v1Only), (err: SilmarilError) => err.code === 'bad_request' && /meta version/.test(err.message))
  const swapped = Buffer.from(made.torrent.slice()).toString('latin1').replace('5:a.bin', '5:c.bin')
  assert.throws(() => parseHybridTorrent(Buffer.from(swapped, 'latin1')), /disagree at "a\.bin"/)
  assert.throws(() => parseHybridTorrent(made.torrent.subarray(0, 50)), (err: SilmarilError) => err.code === 'bad_request')
})

test('a v1 file list without its pad files is refused: files would not start on piece boundaries', () => {
  const made = createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes({ 'a.bin': seededBytes(10), 'b.bin': seededBytes(20) }) })
  const info = bdecode(made.info)
  assert.equal(info.kind, 'dict')
  const raw = (node: BencodeNode): RawBencode => new RawBencode(made.info.subarray(node.start, node.end))
  const files = dictGet(info, 'files')
  assert.equal(files?.kind, 'list')
  const unpadded = new Map(info.entries.map(({ key, value }) => [Buffer.from(key).toString(), raw(value)] as [string, RawBencode | RawBencode[]]))
  unpadded.set('files', files.items.filter(entry => dictGet(entry, 'attr') === undefined).map(raw))
  unpadded.set('pieces', new RawBencode(bencode(Buffer.alloc(20))))
  const torrent = bencode({ info: new RawBencode(bencode(unpadded)) })
  assert.throws(() => parseHybridTorrent(torrent), /"b\.bin" does not start on a piece boundary/)
})

test('unsafe, duplicate and ambiguous paths are refused with a usage error', () => {
  const refuse = (paths: string[], pattern: RegExp): void => {
    const files = Object.fromEntries(paths.map(path => [path, seededBytes(3)]))
    assert.throws(() => createHybridTorrent({ name: 'm', pieceLength: PIECE, files: paths.map(path => ({ ...memoryHashes({ x: files[path]! })[0]!, path })) }),
      (err: SilmarilError) => err.code === 'usage' && pattern.test(err.message), paths.join(', '))
  }
  refuse(['../escape'], /"\.\." components/)
  refuse(['a/../b'], /"\.\." components/)
  refuse(['/etc/passwd'], /absolute/)
  refuse(['a//b'], /empty path components/)
  refuse(['a/'], /empty path components/)
  refuse([''], /empty/)
  refuse(['./a'], /"\." components/)
  refuse(['a\\b'], /backslash/)
  refuse(['same', 'same'], /twice/)
  refuse(['dir', 'dir/file'], /would be a file and a directory/)
  refuse(['a/b', 'a/b/c/d'], /would be a file and a directory/)
  assert.throws(() => createHybridTorrent({ name: 'a/b', pieceLength: PIECE, files: memoryHashes({ x: seededBytes(1) }) }), /one non-empty path component/)
  assert.throws(() => createHybridTorrent({ name: 'm', pieceLength: PIECE, files: [] }), /at least one file/)
  assert.throws(() => createHybridTorrent({ name: 'm', pieceLength: PIECE, files: memoryHashes({ e: Buffer.alloc(0) }) }), /every file is empty/)
})

test('paths sort by UTF-8 bytes per component, as the file tree does', () => {
  const sorted = sortTorrentFiles(['a.txt', 'a/b', 'B', 'a-c', '\u{10000}', '\uE000', 'é'].map(path => ({ path }))).map(file => file.path)
  assert.deepEqual(sorted, ['B', 'a/b', 'a-c', 'a.txt', 'é', '\uE000', '\u{10000}'])
})

test('hashes made for another piece length or another file set are refused', () => {
  const hashes = memoryHashes(FILES)
  assert.throws(() => createHybridTorrent({ name: 'm', pieceLength: PIECE * 2, files: hashes }), /do not fit a 65536-byte piece length/)
  const subset = hashes.filter(file => file.path !== 'tokenizer/vocab.json' && file.path !== 'tokenizer/merges.txt')
  assert.throws(() => createHybridTorrent({ name: 'm', pieceLength: PIECE, files: subset }), /hashed for a different set of files/)
})

test('magnet links carry both infohashes and the name, and parse back', () => {
  const v1 = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a'
  const v2 = 'd8dd32ac93357c368556af3ac1d95c9d76bd0dff6fa9833ecdac3d53134efabb'
  const uri = magnetUri({ infoHashV1: v1.toUpperCase(), infoHashV2: v2, name: 'Llama 3 & co' })
  assert.equal(uri, `magnet:?xt=urn:btih:${v1}&xt=urn:btmh:1220${v2}&dn=Llama%203%20%26%20co`)
  assert.deepEqual(parseMagnet(uri), { infoHashV1: v1, infoHashV2: v2, name: 'Llama 3 & co' })
  assert.deepEqual(parseMagnet('magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK'), { infoHashV1: v1 })
  assert.deepEqual(parseMagnet(`magnet:?xt=urn:btmh:1220${v2.toUpperCase()}&tr=udp%3A%2F%2Fx`), { infoHashV2: v2 })
  for (const bad of ['http://x', 'magnet:?dn=x', 'magnet:?xt=urn:btih:abc', `magnet:?xt=urn:btmh:1114${v2}`, 'magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKE1']) {
    assert.throws(() => parseMagnet(bad), (err: SilmarilError) => err.code === 'usage', bad)
  }
})

test('bencode: keys sorted by raw bytes (not UTF-16), binary keys kept, spans recorded', () => {
  const encoded = bencode(new Map<string | Uint8Array, number>([['\u{10000}', 1], ['\uE000', 2], [Uint8Array.of(0xff, 0), 3], ['a', 4]]))
  const node = bdecode(encoded)
  assert.equal(node.kind, 'dict')
  assert.deepEqual(node.entries.map(entry => Buffer.from(entry.key).toString('hex')), ['61', 'ee8080', 'f0908080', 'ff00'])
  const list = bdecode(Buffer.from('li-3ei0e3:abce'))
  assert.equal(list.kind, 'list')
  assert.deepEqual(list.items.map(item => [item.start, item.end]), [[1, 5], [5, 8], [8, 13]])
  for (const bad of ['i01e', 'i-0e', 'i1', '3:ab', 'li1e', 'i1ei2e', 'd1:ai1e1:ai2ee', '01:a', 'x']) {
    assert.throws(() => bdecode(Buffer.from(bad)), (err: SilmarilError) => err.code === 'bad_request', bad)
  }
  assert.throws(() => bencode(new Map<string | Uint8Array, number>([['k', 1], [Buffer.from('k'), 2]])), /twice/)
  assert.throws(() => bencode(1.5), /safe integers/)
})

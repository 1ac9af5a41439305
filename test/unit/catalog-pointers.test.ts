import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import bencode from 'bencode'
import fc from 'fast-check'
import { keyPairFromSeed } from '../../src/dht/ed25519.js'
import { SilmarilError } from '../../src/errors.js'
import { nextSharedSeq } from '../../src/catalog/pointer-publisher.js'
import { LOCKED_SEQ, memoryPointerStore, PublisherSet } from '../../src/catalog/pointers.js'
import { isPublisherId, ownSlot, SHARED_PUBLIC_KEY_HEX, SHARED_SLOT_SEED, SHARED_TARGET_HEX, sharedKeyPair, sharedSlot, SLOT_SALT, slotMagnet } from '../../src/catalog/slot-keys.js'
import { decodeSlotValue, encodeSlotValue } from '../../src/catalog/slot-value.js'

// Cross-checked with pyca/cryptography: Ed25519PrivateKey.from_private_bytes(sha256(b"silmaril-discovery-v1")).
const SHARED_PUBLIC_KEY = 'ab8569632600889aaecccb653cce09acfcef4c2784d5bc0e16a9cb376606b729'
const SHARED_TARGET = 'f10a81c5dc04648b6a7394d4b32d2dc9c9218f03'
const SALT_HEX = '73696c6d6172696c2d646973636f766572792d7631'
// BEP 46 test vectors.
const BEP46_KEY = '8543d3e6115f0f98c944077a4493dcd543e49c739fd998550a1f614ab36ed63e'
const INFOHASH = '0123456789abcdef0123456789abcdef01234567'
// What the original Go Silmaril stored in the shared slot: JSON text as a bencoded string.
const GO_VALUE = Buffer.from(JSON.stringify({ infohash: INFOHASH, timestamp: 1718000000, version: 1 }))

function sha (algorithm: string, ...parts: Uint8Array[]): string {
  const hash = createHash(algorithm)
  for (const part of parts) hash.update(part)
  return hash.digest('hex')
}

function publisherId (byte: number): string {
  return Buffer.alloc(32, byte).toString('hex')
}

function roundTrip (v: unknown): unknown {
  return bencode.decode(bencode.encode(v))
}

test('the shared slot key comes from the seed SHA-256("silmaril-discovery-v1"), with no salt', () => {
  const seed = createHash('sha256').update('silmaril-discovery-v1', 'utf8').digest()
  assert.equal(Buffer.from(SHARED_SLOT_SEED).toString('hex'), seed.toString('hex'))
  const publicKey = Buffer.from(keyPairFromSeed(seed).publicKey).toString('hex')
  assert.equal(publicKey, SHARED_PUBLIC_KEY)
  assert.equal(SHARED_PUBLIC_KEY_HEX, SHARED_PUBLIC_KEY)
  assert.equal(SHARED_TARGET_HEX, SHARED_TARGET)
  assert.equal(SHARED_TARGET, sha('sha1', Buffer.from(SHARED_PUBLIC_KEY, 'hex')))

  const slot = sharedSlot()
  assert.equal(slot.kind, 'shared')
  assert.equal(Buffer.from(slot.publicKey).toString('hex'), SHARED_PUBLIC_KEY)
  assert.equal(slot.publicKeyHex, SHARED_PUBLIC_KEY)
  assert.equal(slot.salt.length, 0)
  assert.equal(slot.target, SHARED_TARGET)
  assert.equal(Buffer.from(sharedKeyPair().secretSeed).toString('hex'), seed.toString('hex'))
})

test('callers cannot damage the shared key by writing into what they were given', () => {
  sharedSlot().publicKey.fill(0)
  sharedKeyPair().secretSeed.fill(0)
  assert.equal(sharedSlot().publicKeyHex, SHARED_PUBLIC_KEY)
  assert.equal(Buffer.from(sharedSlot().publicKey).toString('hex'), SHARED_PUBLIC_KEY)
  assert.equal(Buffer.from(sharedKeyPair().publicKey).toString('hex'), SHARED_PUBLIC_KEY)
  assert.equal(Buffer.from(keyPairFromSeed(sharedKeyPair().secretSeed).publicKey).toString('hex'), SHARED_PUBLIC_KEY)
})

test('an own slot is the publisher key with salt "silmaril-discovery-v1"', () => {
  const publisher = keyPairFromSeed(new Uint8Array(32).fill(7)).publicKey
  const hex = Buffer.from(publisher).toString('hex')
  for (const slot of [ownSlot(publisher), ownSlot(hex), ownSlot(hex.toUpperCase())]) {
    assert.equal(slot.kind, 'own')
    assert.equal(slot.publicKeyHex, hex)
    assert.equal(Buffer.from(slot.salt).toString('utf8'), SLOT_SALT)
    assert.equal(Buffer.from(slot.salt).toString('hex'), SALT_HEX)
    assert.equal(slot.target, sha('sha1', publisher, Buffer.from('silmaril-discovery-v1')))
  }
  assert.notEqual(ownSlot(SHARED_PUBLIC_KEY).target, SHARED_TARGET, 'the salt makes another target')
  for (const bad of ['', 'xyz', hex.slice(2), `${hex}00`, `${hex.slice(2)}zz`]) {
    assert.throws(() => ownSlot(bad), (err: unknown) => err instanceof SilmarilError && err.code === 'bad_request')
  }
  assert.throws(() => ownSlot(new Uint8Array(31)), { code: 'bad_request' })
  assert.equal(isPublisherId(hex), true)
  assert.equal(isPublisherId(hex.toUpperCase()), false)
})

test('slot magnets follow BEP 46: xs=urn:btpk:<key hex>, then &s=<salt hex> when salted', () => {
  assert.equal(slotMagnet(sharedSlot()), `magnet:?xs=urn:btpk:${SHARED_PUBLIC_KEY}`)
  const own = ownSlot(BEP46_KEY)
  assert.equal(slotMagnet(own), `magnet:?xs=urn:btpk:${BEP46_KEY}&s=${SALT_HEX}`)
  const vectorKey = Buffer.from(BEP46_KEY, 'hex')
  assert.equal(slotMagnet({ publicKey: vectorKey, salt: Buffer.from('6e', 'hex') }), `magnet:?xs=urn:btpk:${BEP46_KEY}&s=6e`)
  assert.equal(slotMagnet({ publicKey: vectorKey, salt: new Uint8Array(0) }), `magnet:?xs=urn:btpk:${BEP46_KEY}`)
  const magnet = new URL(slotMagnet(own))
  assert.equal(magnet.protocol, 'magnet:')
  assert.equal(magnet.searchParams.get('xs'), `urn:btpk:${BEP46_KEY}`)
  assert.equal(Buffer.from(magnet.searchParams.get('s') ?? '', 'hex').toString(), SLOT_SALT)
})

test('a slot value is the BEP 46 dictionary { ih: <20 raw bytes> }', () => {
  const value = encodeSlotValue(INFOHASH)
  assert.equal(Buffer.from(bencode.encode(value)).toString('latin1'), `d2:ih20:${Buffer.from(INFOHASH, 'hex').toString('latin1')}e`)
  assert.deepEqual(encodeSlotValue(INFOHASH.toUpperCase()), value)
  assert.deepEqual(encodeSlotValue(Buffer.from(INFOHASH, 'hex')), value)
  assert.deepEqual(decodeSlotValue(roundTrip(value)), { kind: 'pointer', infohash: INFOHASH })
  assert.deepEqual(decodeSlotValue(value), { kind: 'pointer', infohash: INFOHASH })
  for (const bad of ['', INFOHASH.slice(1), `${INFOHASH}0`, 'z'.repeat(40)]) {
    assert.throws(() => encodeSlotValue(bad), { code: 'bad_request' })
  }
  assert.throws(() => encodeSlotValue(new Uint8Array(32)), { code: 'bad_request' })
})

test('extra keys beside ih are ignored, as BEP 46 asks only for ih', () => {
  const v = roundTrip({ ih: Buffer.from(INFOHASH, 'hex'), name: 'catalog', n: 3 })
  assert.deepEqual(decodeSlotValue(v), { kind: 'pointer', infohash: INFOHASH })
})

test('values that are not BEP 46 pointers are classified unknown with a reason, never thrown', () => {
  const cases: Array<[unknown, RegExp]> = [
    [GO_VALUE, /^a \d+-byte string, not a dictionary \("\{\\"infohash\\":/],
    [Buffer.from(INFOHASH, 'hex'), /^a 20-byte string, not a dictionary$/],
    [42, /integer/],
    [[Buffer.from(INFOHASH, 'hex')], /list/],
    [{}, /without "ih"/],
    [{ infohash: Buffer.from(INFOHASH, 'hex') }, /without "ih"/],
    [{ ih: 7 }, /"ih" is not a byte string/],
    [{ ih: [1, 2] }, /"ih" is not a byte string/],
    [{ ih: Buffer.alloc(19) }, /"ih" is 19 bytes, not 20/],
    [{ ih: Buffer.alloc(32) }, /"ih" is 32 bytes, not 20/],
    [{ ih: Buffer.from(INFOHASH) }, /"ih" is 40 bytes, not 20/],
    [null, /null/],
    [undefined, /undefined/]
  ]
  for (const [v, reason] of cases) {
    for (const value of v === null || v === undefined ? [v] : [v, roundTrip(v)]) {
      const decoded = decodeSlotValue(value)
      assert.equal(decoded.kind, 'unknown', `${String(value)} is not a pointer`)
      assert.match(decoded.kind === 'unknown' ? decoded.reason : '', reason)
    }
  }
  const withProto = JSON.parse('{"__proto__": {"ih": "x"}}') as unknown
  assert.equal(decodeSlotValue(withProto).kind, 'unknown', 'an inherited ih does not count')
})

test('decoding any bencoded value never throws', () => {
  const bencodable = fc.letrec(tie => ({
    value: fc.oneof({ depthSize: 'small' },
      fc.uint8Array({ maxLength: 40 }),
      fc.integer(),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom('ih', 'v', 'x', 'infohash'), tie('value'), { maxKeys: 4 }))
  })).value
  fc.assert(fc.property(bencodable, (v) => {
    const decoded = decodeSlotValue(roundTrip(v))
    if (decoded.kind === 'pointer') assert.match(decoded.infohash, /^[0-9a-f]{40}$/)
    else assert.ok(decoded.reason.length > 0)
  }), { numRuns: 500 })
})

test('the next shared seq is above the last, below the locked seq, and the same for the same infohash', () => {
  const a = encodeSlotValue(INFOHASH).ih
  const b = encodeSlotValue(`ff${INFOHASH.slice(2)}`).ih
  for (const previous of [0, 1, 41, 2 ** 40]) {
    const next = nextSharedSeq(previous, a)
    assert.ok(next > previous && next <= previous + 0x10000 && next < LOCKED_SEQ)
    assert.equal(nextSharedSeq(previous, a), next)
    assert.notEqual(nextSharedSeq(previous, b), next, 'racing writers of different values pick different seqs')
  }
  assert.equal(nextSharedSeq(0, a), 1 + 0x0123)
  assert.ok(nextSharedSeq(LOCKED_SEQ - 10, b) < LOCKED_SEQ)
  assert.equal(nextSharedSeq(LOCKED_SEQ - 2, b), LOCKED_SEQ - 1)
  assert.equal(nextSharedSeq(LOCKED_SEQ - 1, b), LOCKED_SEQ)
  assert.equal(LOCKED_SEQ, Number.MAX_SAFE_INTEGER - 1)
})

test('the publisher set keeps configured publishers and evicts the least recently seen learned ones', () => {
  const set = new PublisherSet({ max: 3, pinned: [publisherId(0xaa)] })
  assert.equal(set.add(publisherId(1)), true)
  assert.equal(set.add(publisherId(2)), true)
  assert.equal(set.add(publisherId(3)), true)
  assert.equal(set.add(publisherId(1)), false, 'seen again: refreshed, not new')
  assert.equal(set.add(publisherId(4)), true)
  assert.equal(set.has(publisherId(2)), false, 'the least recently seen went first')
  assert.deepEqual(set.values(), [publisherId(0xaa), publisherId(4), publisherId(1), publisherId(3)])
  assert.equal(set.size, 4)
  assert.equal(set.add(publisherId(0xaa)), false)
  assert.equal(set.add(publisherId(5).toUpperCase()), true)
  assert.equal(set.has(publisherId(5)), true, 'ids are lowercased')
  assert.equal(set.has(publisherId(0xaa)), true, 'pinned publishers are never evicted')
  assert.equal(set.delete(publisherId(0xaa)), true)
  assert.equal(set.has(publisherId(0xaa)), false)
  assert.deepEqual([...set], set.values())
  assert.throws(() => set.add('not-a-key'), { code: 'bad_request' })
  assert.throws(() => new PublisherSet({ pinned: ['nope'] }), { code: 'bad_request' })
  assert.throws(() => new PublisherSet({ max: -1 }), { code: 'bad_request' })

  const empty = new PublisherSet({ max: 0 })
  assert.equal(empty.add(publisherId(9)), false, 'with max 0 learned publishers are not kept')
  assert.equal(empty.size, 0)
})

test('the in-memory pointer store answers undefined for missing keys', async () => {
  const store = memoryPointerStore()
  assert.equal(await store.get('own-slot'), undefined)
  await store.put('own-slot', '{"seq":1}')
  assert.equal(await store.get('own-slot'), '{"seq":1}')
})

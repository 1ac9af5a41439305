import assert from 'node:assert/strict'
import { test } from 'node:test'
import { dhtVerify, MAX_SALT_BYTES, mutableTarget, signable } from '../../src/dht/bep44.js'
import { formatHostPort, parseHostPort, PUBLIC_BOOTSTRAP_NODES } from '../../src/dht/bootstrap-list.js'
import { generateSeed, keyPairFromSeed, sign, verify } from '../../src/dht/ed25519.js'
import { SilmarilError } from '../../src/errors.js'

// Test vectors from BEP 44.
const PUBLIC_KEY = hex('77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548')
const VALUE = 'Hello World!'
const PLAIN = {
  signable: '3:seqi1e1:v12:Hello World!',
  target: '4a533d47ec9c7d95b1ad75f576cffc641853b750',
  signature: hex('305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01')
}
const SALTED = {
  salt: 'foobar',
  signable: '4:salt6:foobar3:seqi1e1:v12:Hello World!',
  target: '411eba73b6f087ca51a3795d9c8c938d365e32c1',
  signature: hex('6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17ddf9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08')
}

function hex (text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'))
}

function text (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8')
}

function toHex (bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function flipBit (bytes: Uint8Array, index: number): Uint8Array {
  const copy = new Uint8Array(bytes)
  copy[index] = (copy[index] ?? 0) ^ 0x01
  return copy
}

test('signable is the BEP 44 vector without salt', () => {
  assert.equal(text(signable({ seq: 1, v: VALUE })), PLAIN.signable)
  assert.equal(text(signable({ seq: 1, v: VALUE, salt: new Uint8Array(0) })), PLAIN.signable)
})

test('signable is the BEP 44 vector with salt', () => {
  assert.equal(text(signable({ salt: SALTED.salt, seq: 1, v: VALUE })), SALTED.signable)
  assert.equal(text(signable({ salt: Buffer.from(SALTED.salt), seq: 1, v: Buffer.from(VALUE) })), SALTED.signable)
})

test('mutableTarget matches the BEP 44 vectors', () => {
  assert.equal(toHex(mutableTarget(PUBLIC_KEY)), PLAIN.target)
  assert.equal(toHex(mutableTarget(PUBLIC_KEY, SALTED.salt)), SALTED.target)
})

test('the BEP 44 vector signatures verify', () => {
  assert.equal(verify(PLAIN.signature, signable({ seq: 1, v: VALUE }), PUBLIC_KEY), true)
  assert.equal(dhtVerify(SALTED.signature, signable({ salt: SALTED.salt, seq: 1, v: VALUE }), PUBLIC_KEY), true)
})

test('a flipped bit anywhere fails verification', () => {
  const message = signable({ seq: 1, v: VALUE })
  assert.equal(verify(flipBit(PLAIN.signature, 10), message, PUBLIC_KEY), false)
  assert.equal(verify(PLAIN.signature, flipBit(message, 7), PUBLIC_KEY), false)
  assert.equal(verify(PLAIN.signature, message, flipBit(PUBLIC_KEY, 3)), false)
  assert.equal(verify(SALTED.signature, message, PUBLIC_KEY), false, 'the salted signature does not cover the unsalted item')
})

test('verify never throws on garbage', () => {
  const message = signable({ seq: 1, v: VALUE })
  const garbage: unknown[] = [undefined, null, 'abc', 42, {}, [], new Uint8Array(0), new Uint8Array(31), new Uint8Array(65), new Uint8Array(64)]
  for (const bad of garbage) {
    const value = bad as Uint8Array
    assert.equal(verify(value, message, PUBLIC_KEY), false)
    assert.equal(verify(PLAIN.signature, value, PUBLIC_KEY), false)
    assert.equal(verify(PLAIN.signature, message, value), false)
    assert.equal(dhtVerify(value, value, value), false)
  }
  assert.equal(verify(PLAIN.signature, message, new Uint8Array(32).fill(0xff)), false, 'not a curve point')
})

test('sign and verify round trip with a generated seed', () => {
  const seed = generateSeed()
  assert.equal(seed.length, 32)
  const { publicKey, secretSeed } = keyPairFromSeed(seed)
  assert.equal(publicKey.length, 32)
  assert.deepEqual(secretSeed, seed)
  const message = signable({ salt: 'salt', seq: 7, v: { ih: new Uint8Array(20).fill(9) } })
  const signature = sign(message, seed)
  assert.equal(signature.length, 64)
  assert.equal(verify(signature, message, publicKey), true)
  assert.deepEqual(sign(message, seed), signature, 'ed25519 signatures are deterministic')
  assert.deepEqual(keyPairFromSeed(seed).publicKey, publicKey)
  assert.equal(verify(signature, message, keyPairFromSeed(generateSeed()).publicKey), false)
})

test('keyPairFromSeed matches RFC 8032 test 1', () => {
  const seed = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
  assert.equal(toHex(keyPairFromSeed(seed).publicKey), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
  assert.equal(toHex(sign(new Uint8Array(0), seed)),
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')
})

test('bad arguments throw SilmarilError', () => {
  assert.throws(() => keyPairFromSeed(new Uint8Array(31)), SilmarilError)
  assert.throws(() => signable({ seq: -1, v: VALUE }), SilmarilError)
  assert.throws(() => signable({ seq: 1.5, v: VALUE }), SilmarilError)
  assert.throws(() => signable({ seq: 1, v: VALUE, salt: new Uint8Array(MAX_SALT_BYTES + 1) }), SilmarilError)
  assert.throws(() => mutableTarget(new Uint8Array(31)), SilmarilError)
})

test('parseHostPort accepts host:port and [v6]:port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:6881'), { host: '127.0.0.1', port: 6881 })
  assert.deepEqual(parseHostPort('router.bittorrent.com:6881'), { host: 'router.bittorrent.com', port: 6881 })
  assert.deepEqual(parseHostPort('[::1]:25401'), { host: '::1', port: 25401 })
  assert.deepEqual(parseHostPort('  localhost:1 '), { host: 'localhost', port: 1 })
  assert.equal(formatHostPort({ host: '::1', port: 25401 }), '[::1]:25401')
  assert.equal(formatHostPort({ host: '127.0.0.1', port: 6881 }), '127.0.0.1:6881')
  for (const entry of PUBLIC_BOOTSTRAP_NODES) assert.equal(formatHostPort(parseHostPort(entry)), entry)
})

test('parseHostPort rejects bad input with a usage error naming it', () => {
  const bad = ['', 'host', 'host:', ':6881', 'host:0', 'host:65536', 'host:abc', 'host:68.1', 'host:-1',
    '::1:6881', '[::1]', '[::1]6881', '[::1:6881', '[example.com]:1', 'bad_host!:6881', '999.1.1.1:6881']
  for (const input of bad) {
    assert.throws(() => parseHostPort(input), (err: unknown) => {
      assert.ok(err instanceof SilmarilError, `${input}: not a SilmarilError`)
      assert.equal(err.code, 'usage')
      assert.ok(err.message.includes(`"${input}"`), `${input}: message does not quote the input: ${err.message}`)
      return true
    }, `accepted ${JSON.stringify(input)}`)
  }
})

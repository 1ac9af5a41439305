import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { test } from 'node:test'
import { cachedPublicKeyCount, generateSeed, KeyObjectCache, keyPairFromSeed, PUBLIC_KEY_CACHE_SIZE, sign, verify } from '../../src/dht/ed25519.js'

const KEY = generateKeyPairSync('ed25519').publicKey

test('the key cache is bounded and drops the least recently used key', () => {
  const cache = new KeyObjectCache(2)
  cache.set('a', KEY)
  cache.set('b', KEY)
  assert.equal(cache.get('a'), KEY)
  cache.set('c', KEY)
  assert.equal(cache.size, 2)
  assert.equal(cache.get('b'), undefined, 'b was used least recently')
  assert.equal(cache.get('a'), KEY)
  assert.equal(cache.get('c'), KEY)
  cache.set('c', KEY)
  assert.equal(cache.size, 2)
  assert.throws(() => new KeyObjectCache(0), { code: 'bad_request' })
})

test('verify caches a key once it has verified a signature, and only then', () => {
  const message = new Uint8Array(Buffer.from('3:seqi1e1:v2:hi'))
  const { publicKey, secretSeed } = keyPairFromSeed(generateSeed())
  const signature = sign(message, secretSeed)
  const before = cachedPublicKeyCount()
  assert.equal(verify(new Uint8Array(64), message, publicKey), false)
  assert.equal(cachedPublicKeyCount(), before, 'a forged signature does not get its key cached')
  assert.equal(verify(signature, message, publicKey), true)
  assert.equal(cachedPublicKeyCount(), Math.min(before + 1, PUBLIC_KEY_CACHE_SIZE))
  assert.equal(verify(signature, message, publicKey), true, 'the cached key verifies again')
  assert.equal(verify(signature, new Uint8Array(Buffer.from('3:seqi2e1:v2:hi')), publicKey), false, 'and still refuses what it did not sign')
  assert.equal(cachedPublicKeyCount(), Math.min(before + 1, PUBLIC_KEY_CACHE_SIZE))
})

test('the process-wide cache stays bounded under many signing keys', () => {
  const message = new Uint8Array([1, 2, 3])
  for (let i = 0; i < PUBLIC_KEY_CACHE_SIZE + 50; i++) {
    const { publicKey, secretSeed } = keyPairFromSeed(generateSeed())
    assert.equal(verify(sign(message, secretSeed), message, publicKey), true)
  }
  assert.equal(cachedPublicKeyCount(), PUBLIC_KEY_CACHE_SIZE)
})

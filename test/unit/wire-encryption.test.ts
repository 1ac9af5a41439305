import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import Wire from 'bittorrent-protocol'

// bittorrent-protocol is patched (patches/bittorrent-protocol+*.patch) to check the encryption
// handshake's Diffie-Hellman group once per process instead of once per connection (~30 ms of the
// main thread each side): one object computes every connection's keys from that connection's own
// private key. Handshakes in flight at the same time must each end with their own shared secret.

const INFOHASH = randomBytes(20).toString('hex')
const BLOCK = 16384

/**
 * An outgoing and an incoming wire over protocol encryption, handshaken; resolves once the outgoing
 * one is unchoked, with the public key the outgoing one sent first.
 */
async function encryptedPair (peEnabled: 1 | 2): Promise<{ outgoing: Wire, incoming: Wire, publicKey: string }> {
  const outgoing = new Wire('tcpOutgoing', peEnabled)
  const incoming = new Wire('tcpIncoming', peEnabled)
  let publicKey = ''
  outgoing.once('data', chunk => { publicKey = Buffer.from((chunk as Uint8Array).subarray(0, 96)).toString('hex') })
  outgoing.pipe(incoming).pipe(outgoing)
  incoming.on('crypto-infohash', () => { incoming.setInfoHash(INFOHASH) })
  incoming.on('handshake', () => { incoming.handshake(INFOHASH, randomBytes(20).toString('hex')); incoming.unchoke() })
  outgoing.on('crypto-handshake', () => { outgoing.handshake(INFOHASH, randomBytes(20).toString('hex')) })
  const unchoked = new Promise(resolve => outgoing.once('unchoke', resolve))
  outgoing.startEncryption(INFOHASH)
  await unchoked
  return { outgoing, incoming, publicKey }
}

async function fetchBlock (outgoing: Wire, incoming: Wire, fill: number): Promise<Uint8Array> {
  incoming.on('request', (_index, _offset, length, respond) => { respond(null, new Uint8Array(length).fill(fill)) })
  return await new Promise((resolve, reject) => {
    outgoing.request(0, 0, BLOCK, (err, block) => { if (err !== null || block === undefined) reject(err ?? new Error('no block')); else resolve(block) })
  })
}

for (const [peEnabled, method, label] of [[2, 2, 'RC4'], [1, 1, 'plaintext']] as const) {
  test(`eight encryption handshakes at once each agree on their keys and carry a block (${label} selected)`, async () => {
    const pairs = await Promise.all(Array.from({ length: 8 }, async () => await encryptedPair(peEnabled)))
    const blocks = await Promise.all(pairs.map(async ({ outgoing, incoming }, i) => await fetchBlock(outgoing, incoming, i + 1)))
    blocks.forEach((block, i) => { assert.deepEqual(Buffer.from(block), Buffer.alloc(BLOCK, i + 1), `pair ${i}`) })
    assert.equal(new Set(pairs.map(p => p.publicKey)).size, pairs.length, 'every connection has a key of its own')
    for (const { outgoing, incoming } of pairs) {
      assert.equal(outgoing._encryptionMethod, method)
      assert.equal(incoming._encryptionMethod, method)
      outgoing.destroy()
      incoming.destroy()
    }
  })
}

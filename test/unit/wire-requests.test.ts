import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import Wire from 'bittorrent-protocol'

// bittorrent-protocol is patched (patches/bittorrent-protocol+*.patch) to send the requests made in
// one go as one buffer and to match an arriving block with the oldest open request first. The
// peer must see every message in the order it was made, and whatever order it answers in, each
// request must get its own block, once.

const INFOHASH = randomBytes(20).toString('hex')
const BLOCK = 16384

function connectedPair (): { downloader: Wire, seeder: Wire } {
  const downloader = new Wire()
  const seeder = new Wire()
  downloader.pipe(seeder).pipe(downloader)
  seeder.on('handshake', () => { seeder.handshake(INFOHASH, randomBytes(20).toString('hex')); seeder.unchoke() })
  downloader.handshake(INFOHASH, randomBytes(20).toString('hex'))
  return { downloader, seeder }
}

function blockOf (index: number, offset: number): Uint8Array {
  return new Uint8Array(BLOCK).fill((index * 7 + offset / BLOCK) & 0xff)
}

async function fetchAll (order: (pending: Array<() => void>) => Array<() => void>): Promise<void> {
  const { downloader, seeder } = connectedPair()
  await new Promise(resolve => downloader.once('unchoke', resolve))
  const pending: Array<() => void> = []
  const wanted = 12
  seeder.on('request', (index, offset, length, respond) => {
    assert.equal(length, BLOCK)
    pending.push(() => { respond(null, blockOf(index, offset)) })
    if (pending.length === wanted) for (const answer of order(pending)) answer()
  })
  const results = await Promise.all(Array.from({ length: wanted }, async (_, n) => {
    const index = Math.floor(n / 4)
    const offset = (n % 4) * BLOCK
    return await new Promise<[number, number, Uint8Array]>((resolve, reject) => {
      downloader.request(index, offset, BLOCK, (err, block) => { if (err !== null || block === undefined) reject(err ?? new Error('no block')); else resolve([index, offset, block]) })
    })
  }))
  for (const [index, offset, block] of results) assert.deepEqual(Buffer.from(block), Buffer.from(blockOf(index, offset)), `block ${index}/${offset}`)
  assert.equal(downloader.requests.length, 0, 'no request left open')
  downloader.destroy()
  seeder.destroy()
}

test('blocks answered in the order asked each reach their own request', async () => {
  await fetchAll(pending => pending)
})

test('blocks answered out of order (reversed, then shuffled) still reach their own request', async () => {
  await fetchAll(pending => [...pending].reverse())
  await fetchAll(pending => [5, 0, 11, 3, 1, 8, 2, 10, 4, 9, 6, 7].map(i => pending[i] as () => void))
})

test('requests sent in one go reach the peer in order, before a message made after them, past one batch', async () => {
  const { downloader, seeder } = connectedPair()
  await new Promise(resolve => downloader.once('unchoke', resolve))
  const seen: string[] = []
  seeder.on('request', (index, offset) => { seen.push(`request ${index}/${offset / BLOCK}`) })
  seeder.on('cancel', (index, offset) => { seen.push(`cancel ${index}/${offset / BLOCK}`) })
  seeder.on('have', index => { seen.push(`have ${index}`) })
  const expected: string[] = []
  const ask = (index: number, block: number): void => {
    downloader.request(index, block * BLOCK, BLOCK, () => {})
    expected.push(`request ${index}/${block}`)
  }
  for (let n = 0; n < 300; n++) ask(Math.floor(n / 64), n % 64)
  downloader.cancel(0, 5 * BLOCK, BLOCK)
  expected.push('cancel 0/5')
  downloader.have(9)
  expected.push('have 9')
  ask(7, 0)
  await new Promise<void>(resolve => { setImmediate(resolve) })
  for (let turn = 0; turn < 100 && seen.length < expected.length; turn++) await new Promise<void>(resolve => { setTimeout(resolve, 10) })
  assert.deepEqual(seen, expected)
  downloader.destroy()
  seeder.destroy()
})

import { createSocket } from 'node:dgram'

/**
 * The floor under any Node.js DHT node: a bare node:dgram server that answers each datagram with
 * one reply of a get_peers reply's size carrying the query's transaction id, and does nothing
 * else. The bootstrap bench loads it like the node, so the difference is what the DHT work costs.
 * Prints its port, then serves until killed.
 */

const REPLY_BYTES = 300
const TID_BYTES = 4
const TID_KEY = Buffer.from(`1:t${TID_BYTES}:`)
const TAIL = Buffer.from('1:y1:re')
const reply = Buffer.alloc(REPLY_BYTES, 0x61)
TID_KEY.copy(reply, REPLY_BYTES - TAIL.length - TID_BYTES - TID_KEY.length)
TAIL.copy(reply, REPLY_BYTES - TAIL.length)
const tidOffset = REPLY_BYTES - TAIL.length - TID_BYTES

const socket = createSocket('udp4')
socket.on('message', (datagram, from) => {
  const at = datagram.indexOf(TID_KEY)
  if (at === -1) return
  // A new buffer per reply, as a real node encodes one: libuv may still hold the previous one.
  const out = Buffer.allocUnsafe(REPLY_BYTES)
  reply.copy(out)
  datagram.copy(out, tidOffset, at + TID_KEY.length, at + TID_KEY.length + TID_BYTES)
  socket.send(out, from.port, from.address)
})
socket.bind(0, '127.0.0.1', () => { process.stdout.write(`${socket.address().port}\n`) })

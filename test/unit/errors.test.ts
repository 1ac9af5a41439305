import assert from 'node:assert/strict'
import { test } from 'node:test'
import { EXIT_CODES, HTTP_STATUS, isErrorCode, SilmarilError } from '../../src/errors.js'

test('error codes map to the documented exit codes', () => {
  assert.equal(SilmarilError.usage('x').exitCode, 2)
  assert.equal(new SilmarilError('daemon_unreachable', 'x').exitCode, 3)
  assert.equal(SilmarilError.notFound('x').exitCode, 4)
  assert.equal(new SilmarilError('interrupted', 'x').exitCode, 130)
  assert.equal(new SilmarilError('io', 'x').exitCode, 1)
})

test('every code has an exit code and an HTTP status', () => {
  assert.deepEqual(Object.keys(EXIT_CODES).sort(), Object.keys(HTTP_STATUS).sort())
  for (const status of Object.values(HTTP_STATUS)) assert.ok(status >= 400 && status < 600)
  assert.equal(SilmarilError.notImplemented('x').httpStatus, 501)
  assert.equal(SilmarilError.notFound('x').httpStatus, 404)
})

test('codes survive a JSON round trip, as over REST', () => {
  const err = SilmarilError.configInvalid('/c.yaml', 3, 'daemon.port', 'must be a whole number')
  const wire = JSON.parse(JSON.stringify({ error: err })) as { error: { code: string, message: string } }
  assert.equal(wire.error.code, 'config_invalid')
  assert.equal(wire.error.message, '/c.yaml:3: daemon.port: must be a whole number')
  assert.ok(isErrorCode(wire.error.code))
  assert.ok(!isErrorCode('nope'))
})

test('from() keeps SilmarilErrors and wraps anything else as internal', () => {
  const original = SilmarilError.usage('bad')
  assert.equal(SilmarilError.from(original), original)
  assert.equal(SilmarilError.from(new Error('boom')).code, 'internal')
  assert.equal(SilmarilError.from('text').message, 'text')
})

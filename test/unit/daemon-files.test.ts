import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { isProcessAlive, processStart } from '../../src/daemon-files.js'

test('a process is alive only with the start it had: a reused pid is another process', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const start = processStart(process.pid)
  assert.ok(start !== undefined && start > 0)
  assert.equal(isProcessAlive(process.pid), true)
  assert.equal(isProcessAlive(process.pid, start), true)
  assert.equal(isProcessAlive(process.pid, start + 1), false, 'same pid, another start: not the process that wrote the file')

  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
  await once(child, 'spawn')
  const pid = child.pid!
  const childStart = processStart(pid)
  assert.ok(childStart !== undefined && childStart >= start)
  child.kill('SIGKILL')
  await once(child, 'exit')
  assert.equal(isProcessAlive(pid, childStart), false)
  assert.equal(processStart(pid), undefined)
  assert.equal(isProcessAlive(-1), false)
})

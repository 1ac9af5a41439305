import type { EventEmitter } from 'node:events'

/** Rejects with a message naming `what` when `promise` takes longer than `ms`. */
export async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`timed out after ${ms} ms waiting for ${what}`)) }, ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves once `check()` holds, checking again whenever any emitter emits `event`. */
export async function until (emitters: EventEmitter[], event: string, check: () => boolean, ms: number, what: string): Promise<void> {
  if (check()) return
  let onEvent = (): void => {}
  const done = new Promise<void>(resolve => {
    onEvent = () => { if (check()) resolve() }
  })
  for (const emitter of emitters) emitter.on(event, onEvent)
  try {
    await withTimeout(done, ms, what)
  } finally {
    for (const emitter of emitters) emitter.removeListener(event, onEvent)
  }
}

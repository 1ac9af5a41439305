import type { TestContext } from 'node:test'

/**
 * Cleanup steps run last-in first-out, once. node:test runs `t.after` hooks in the order they
 * were added, so resources that depend on each other go on one stack instead.
 */
export class Teardown {
  readonly #steps: Array<() => Promise<void> | void> = []
  #running: Promise<void> | undefined

  push (step: () => Promise<void> | void): void {
    this.#steps.push(step)
  }

  async run (): Promise<void> {
    this.#running ??= (async () => {
      for (const step of [...this.#steps].reverse()) await step()
    })()
    return await this.#running
  }
}

/** A teardown stack that runs after `t`. */
export function teardown (t: TestContext): Teardown {
  const stack = new Teardown()
  t.after(async () => { await stack.run() })
  return stack
}

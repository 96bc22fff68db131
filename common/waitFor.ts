export class WaitTimeoutError extends Error {}

/**
 * Polls `probe` until it returns a value, for agents that emit no event for a state change. The
 * interval grows from 25 ms so quick changes are seen quickly and slow ones cost few requests.
 */
export async function pollUntil<T>(params: {
  probe: () => Promise<T | undefined>
  timeoutMs: number
  awaited: string
  seen?: () => string
}): Promise<T> {
  const deadline = Date.now() + params.timeoutMs
  let interval = 25
  for (;;) {
    const value = await params.probe()
    if (value !== undefined) return value
    if (Date.now() >= deadline) {
      const observed = params.seen ? `; last seen: ${params.seen() || 'nothing'}` : ''
      throw new WaitTimeoutError(`timed out after ${params.timeoutMs} ms waiting for ${params.awaited}${observed}`)
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))))
    interval = Math.min(interval * 2, 500)
  }
}

/** The promise's value if it settles within `ms` (a rejection passes through), else undefined. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise.then((value) => ({ value })),
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** What a bounded wait resolved to, or undefined once it timed out: for checks that something does not come. */
export async function unlessTimedOut<T>(wait: Promise<T>): Promise<T | undefined> {
  try {
    return await wait
  } catch (e) {
    if (e instanceof WaitTimeoutError) return undefined
    throw e
  }
}

import type { EventEmitter } from 'node:events'

export class WaitTimeoutError extends Error {}

/**
 * Resolves with the first event on `emitter` for which `match` returns a value, or rejects after
 * `timeoutMs` with a message naming what was awaited and what was seen instead. `check` runs once
 * first so that an event that already happened is not missed.
 */
export function waitForEvent<E, T>(params: {
  emitter: EventEmitter
  event: string
  match: (e: E) => T | undefined
  check?: () => T | undefined
  timeoutMs: number
  awaited: string
  seen?: () => string
}): Promise<T> {
  const { emitter, event, match, check, timeoutMs, awaited, seen } = params
  const already = check?.()
  if (already !== undefined) return Promise.resolve(already)
  return new Promise<T>((resolve, reject) => {
    const listener = (e: E) => {
      let value: T | undefined
      try {
        value = match(e)
      } catch (err) {
        cleanup()
        reject(err)
        return
      }
      if (value !== undefined) {
        cleanup()
        resolve(value)
      }
    }
    const timer = setTimeout(() => {
      cleanup()
      const observed = seen ? `; seen instead: ${seen() || 'nothing'}` : ''
      reject(new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${awaited}${observed}`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      emitter.off(event, listener)
    }
    emitter.on(event, listener)
  })
}

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

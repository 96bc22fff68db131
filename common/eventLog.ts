import { EventEmitter } from 'node:events'
import type { WaitCalibration } from './calibration.js'
import { unlessTimedOut, WaitTimeoutError } from './waitFor.js'

export interface Logged<T> {
  /** Position in this log, from 1. */
  seq: number
  receivedAt: number
  data: T
}

/**
 * What an agent did, in the order the harness learnt of it: the reference agent's trace, ACA-Py's
 * webhooks, Credo's forwarded events. Every event is kept, so a wait that starts after its event
 * still sees it; every wait is bounded and says on timeout what it awaited and what came instead.
 */
export class EventLog<T> {
  private readonly events: Logged<T>[] = []
  private readonly emitter = new EventEmitter()
  private failure?: Error
  /** Where this agent's round trips are learnt, and the bound of its waits comes from (none: the step's). */
  calibration?: WaitCalibration

  constructor(private readonly describe: (e: T) => string) {
    // Every scenario's waits listen here; the default of 10 listeners is no sign of a leak.
    this.emitter.setMaxListeners(0)
  }

  push(data: T): Logged<T> {
    const logged = { seq: this.events.length + 1, receivedAt: Date.now(), data }
    this.events.push(logged)
    this.emitter.emit('event', logged)
    return logged
  }

  /** Calls `listener` with each event from now on; returns the function that stops it. */
  onEvent(listener: (data: T) => void): () => void {
    const relay = (logged: Logged<T>) => listener(logged.data)
    this.emitter.on('event', relay)
    return () => this.emitter.off('event', relay)
  }

  all(): readonly T[] {
    return this.events.map((e) => e.data)
  }

  /** The position of the newest event, to read or wait for only what comes after it. */
  mark(): number {
    return this.events.length
  }

  since(mark: number): T[] {
    return this.events.slice(mark).map((e) => e.data)
  }

  /**
   * Ends every wait, now and later, with `error`: the agent behind the log is gone, and nothing it
   * would have done can come any more.
   */
  fail(error: Error): void {
    if (this.failure) return
    this.failure = error
    this.emitter.emit('failed', error)
  }

  /**
   * The newest event (after `since`) for which `pick` returns a value, or the first to come, within
   * `timeoutMs`. On timeout the error names `awaited` and what arrived after `since` instead.
   */
  waitFor<R>(params: {
    pick: (e: T) => R | undefined
    timeoutMs: number
    awaited: string
    since?: number
    seen?: () => string
  }): Promise<R> {
    const { pick, awaited } = params
    const timeoutMs = this.calibration?.bound(params.timeoutMs) ?? params.timeoutMs
    const began = Date.now()
    const mark = this.mark()
    const seen = params.seen ?? (() => this.recent(mark))
    try {
      for (let i = this.events.length - 1; i >= (params.since ?? 0); i--) {
        const value = pick((this.events[i] as Logged<T>).data)
        if (value !== undefined) return Promise.resolve(value)
      }
    } catch (err) {
      return Promise.reject(err)
    }
    const failed = (error: Error) => new Error(`${error.message} (while waiting for ${awaited})`)
    if (this.failure) return Promise.reject(failed(this.failure))
    return new Promise<R>((resolve, reject) => {
      const finish = (error: unknown, value?: R) => {
        clearTimeout(timer)
        this.emitter.off('event', onEvent)
        this.emitter.off('failed', onFailed)
        if (error) reject(error)
        else resolve(value as R)
      }
      const onEvent = (e: Logged<T>) => {
        try {
          const value = pick(e.data)
          if (value === undefined) return
          this.calibration?.observe(Date.now() - began)
          finish(undefined, value)
        } catch (err) {
          finish(err)
        }
      }
      const onFailed = (error: Error) => finish(failed(error))
      const calibrated = this.calibration && timeoutMs < params.timeoutMs ? this.calibration : undefined
      const watch = calibrated?.watch()
      const expire = () => {
        const elapsed = Date.now() - began
        const more = watch?.extension(elapsed, timeoutMs, params.timeoutMs) ?? 0
        if (more > 0) {
          timer = setTimeout(expire, more)
          return
        }
        const extended = watch?.extensions ? `, extended ${watch.extensions}× while the machine was busy` : ''
        const bound = calibrated ? ` (${calibrated.describe()}${extended})` : ''
        const error = `timed out after ${elapsed} ms${bound} waiting for ${awaited}; seen instead: ${seen() || 'nothing'}`
        finish(new WaitTimeoutError(error))
      }
      let timer = setTimeout(expire, timeoutMs)
      this.emitter.on('event', onEvent)
      this.emitter.on('failed', onFailed)
    })
  }

  /**
   * A log of the events of this one that `keep` accepts, those already here and those to come, with
   * the same calibration; it fails when this one does (one tenant's events of a whole agent's).
   */
  view(keep: (e: T) => boolean): EventLog<T> {
    const view = new EventLog<T>(this.describe)
    view.calibration = this.calibration
    for (const e of this.events) if (keep(e.data)) view.push(e.data)
    this.emitter.on('event', (e: Logged<T>) => {
      if (keep(e.data)) view.push(e.data)
    })
    this.emitter.on('failed', (error: Error) => view.fail(error))
    if (this.failure) view.fail(this.failure)
    return view
  }

  /**
   * For checks that something does not happen: the first event after `since` that `pick` accepts, or
   * undefined once the bound (calibrated like every wait) has passed without one.
   */
  async firstWithin<R>(params: {
    pick: (e: T) => R | undefined
    timeoutMs: number
    since: number
  }): Promise<R | undefined> {
    return unlessTimedOut(this.waitFor({ ...params, awaited: 'nothing' }))
  }

  /** What arrived after `mark`, or the last few events when nothing did. */
  recent(mark?: number, n = 6): string {
    const after = mark === undefined ? [] : this.since(mark)
    const shown = after.length > 0 ? after.slice(-12) : this.all().slice(-n)
    const text = shown.map(this.describe).join(', ')
    if (after.length === 0 && mark !== undefined)
      return `nothing since the wait began${text ? ` (before it: ${text})` : ''}`
    return text
  }
}

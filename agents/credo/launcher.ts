/**
 * Starts a Credo-ts agent (agentProcess.ts) as a child process of the harness and talks to it over the
 * fork IPC channel: correlated requests, each bounded in time, and the agent's events, all kept so a
 * wait that starts late still sees them. A crash, hang or exit of the child fails what is pending
 * with the reason and its log tail; it cannot take the harness down. Every child started here is
 * stopped when this Node process exits or is interrupted.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { manage, type ManagedProcess } from '../../common/processes.js'
import { tailFile } from '../../common/tail.js'
import { EventEmitter } from 'node:events'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'
import type { CredoEvent, FromChild, Method, Methods, StartConfig, ToChild } from './protocol.js'

export interface CredoLaunchOptions {
  label: string
  /** The wallet goes into this directory. */
  dataDir: string
  /** The child's stdout and stderr (its whole log) are appended here. */
  logFile: string
  readyTimeoutMs?: number
}

export class CredoLaunchError extends Error {}

const ENTRY = path.join(import.meta.dirname, 'agentProcess.ts')
const DEFAULT_READY_TIMEOUT_MS = 30_000
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
const SHUTDOWN_TIMEOUT_MS = 6_000
const STOP_GRACE_MS = 3_000

interface Pending {
  method: Method
  resolve: (value: unknown) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

/**
 * A running Credo child. Emits `event` (CredoEvent) for each agent event and `exit` (reason) when
 * the child is gone; `events` keeps every event received.
 */
export class CredoAgentProcess extends EventEmitter {
  readonly events: CredoEvent[] = []
  /** The agent's DIDComm endpoint, set once the child is ready. */
  endpoint = ''
  /** Why the child is gone (`exited with code 1`, `killed by signal SIGKILL`), once it is. */
  exitReason?: string
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private readonly exited: Promise<void>
  private readonly proc: ManagedProcess

  private constructor(
    readonly label: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    super()
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.onExit(signal ? `was killed by signal ${signal}` : `exited with code ${code}`)
        resolve()
      })
      // Listened to for good: an 'error' nobody listens to would throw in the harness.
      child.on('error', (err) => {
        if (child.pid !== undefined) return
        this.onExit(`could not be started: ${err.message}`)
        resolve()
      })
    })
    child.on('message', (message: FromChild) => this.onMessage(message))
    this.proc = manage(child, () => this.stop())
  }

  get pid(): number {
    return this.child.pid as number
  }

  get alive(): boolean {
    return this.exitReason === undefined
  }

  static async launch(opts: CredoLaunchOptions): Promise<CredoAgentProcess> {
    mkdirSync(opts.dataDir, { recursive: true })
    mkdirSync(path.dirname(opts.logFile), { recursive: true })
    const config: StartConfig = {
      label: opts.label,
      dataDir: opts.dataDir,
      logLevel: process.env.DIDCOMM_CONFORMANCE_LOG_LEVEL ?? 'debug',
    }
    // stdout and stderr go straight to the file, so even a crash before Credo logs anything is kept.
    const logFd = openSync(opts.logFile, 'a')
    let child: ChildProcess
    try {
      child = fork(ENTRY, [JSON.stringify(config)], {
        // Only what the child needs: the harness's own flags (a test runner's, say) are not for it. tsx's
        // ESM hooks alone compile the TypeScript entry, and Credo's CommonJS modules load through Node's
        // own loader, which starts quicker.
        execArgv: ['--import', import.meta.resolve('tsx/esm')],
        cwd: opts.dataDir,
        // Its own process group, so a Ctrl-C in the terminal reaches the harness, which stops it in order.
        detached: true,
        stdio: ['ignore', logFd, logFd, 'ipc'],
      })
    } finally {
      closeSync(logFd)
    }
    const agent = new CredoAgentProcess(opts.label, opts.logFile, child)
    try {
      await agent.ready(opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS)
    } catch (e) {
      await agent.stop()
      throw new CredoLaunchError(
        `Credo "${opts.label}" failed to start: ${(e as Error).message}\n` +
          `--- log tail (${opts.logFile}) ---\n${await agent.logTail(40)}`,
      )
    }
    return agent
  }

  /** Sends a request and resolves with its result; rejects on the agent's error, on timeout and on exit. */
  request<M extends Method>(
    method: M,
    params: Methods[M]['params'],
    timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ): Promise<Methods[M]['result']> {
    if (!this.alive) return Promise.reject(this.goneError(method))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`Credo "${this.label}" did not answer ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer })
      const message: ToChild = { kind: 'request', id, method, params }
      this.child.send(message, (err) => {
        if (!err) return
        clearTimeout(timer)
        this.pending.delete(id)
        reject(new Error(`Credo "${this.label}": could not send ${method}: ${err.message}`))
      })
    })
  }

  async logTail(lines = 40): Promise<string> {
    return (await tailFile(this.logFile, lines)) || `(no log at ${this.logFile})`
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.signal(signal)
  }

  /** Shuts Credo down cleanly if it answers, then makes sure the process is gone. */
  async stop(): Promise<void> {
    if (this.alive) {
      // Before it is ready the child may not serve requests yet; it stops on SIGTERM either way.
      if (this.endpoint) await this.request('shutdown', {}, SHUTDOWN_TIMEOUT_MS).catch(() => undefined)
      else this.kill('SIGTERM')
      // The child exits when its IPC channel closes.
      if (this.child.connected) this.child.disconnect()
    }
    await this.proc.stop(STOP_GRACE_MS)
    await this.exited
  }

  private ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`not ready within ${timeoutMs} ms`)), timeoutMs)
      const onMessage = (message: FromChild) => {
        if (message.kind === 'ready') {
          this.endpoint = message.endpoint
          finish()
        } else if (message.kind === 'start-failed') {
          finish(new Error(message.error))
        }
      }
      const onExit = (reason: string) => finish(new Error(`the process ${reason} before it was ready`))
      const finish = (error?: Error) => {
        clearTimeout(timer)
        this.child.off('message', onMessage)
        this.off('exit', onExit)
        if (error) reject(error)
        else resolve()
      }
      this.child.on('message', onMessage)
      this.on('exit', onExit)
    })
  }

  private onMessage(message: FromChild): void {
    if (message.kind === 'event') {
      this.events.push(message.event)
      this.emit('event', message.event)
    } else if (message.kind === 'response') {
      const pending = this.pending.get(message.id)
      if (!pending) return
      this.pending.delete(message.id)
      clearTimeout(pending.timer)
      if ('error' in message)
        pending.reject(new Error(`Credo "${this.label}" could not ${pending.method}: ${message.error}`))
      else pending.resolve(message.result)
    }
  }

  private onExit(reason: string): void {
    if (this.exitReason !== undefined) return
    this.exitReason = reason
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) clearTimeout(p.timer)
    this.emit('exit', reason)
    if (pending.length === 0) return
    void this.logTail(40).then((tail) => {
      for (const p of pending) p.reject(this.goneError(p.method, tail))
    })
  }

  /** The error for a call the child can no longer answer: the exit, and the log tail where known. */
  goneError(what: string, tail?: string): Error {
    const log = tail === undefined ? ` (log: ${this.logFile})` : `\n--- log tail (${this.logFile}) ---\n${tail}`
    return new Error(`Credo "${this.label}" (pid ${this.child.pid}) ${this.exitReason}: ${what} cannot complete${log}`)
  }
}

/**
 * Starts a Credo-ts agent (agentProcess.ts) as a child process of the harness, or as a container of its
 * image, and talks to it over the control channel (controlLink.ts): correlated requests, each bounded in
 * time, and the agent's events, all kept so a wait that starts late still sees them. A crash, hang or
 * exit of the agent fails what is pending with the reason and its log tail; it cannot take the harness
 * down. Every agent started here is stopped when this Node process exits or is interrupted.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { ContainerProcess } from '../../common/docker/container.js'
import { EventLog } from '../../common/eventLog.js'
import { spawnManaged, StartError, type Supervised } from '../../common/managedSpawn.js'
import { ipcLink, listenForAgent, type ControlLink } from './controlLink.js'
import { CREDO_IMAGE_HOME, credoImageEntry } from './image.js'
import {
  CONTROL_VARIABLE,
  type CredoEvent,
  type FromChild,
  type Method,
  type Methods,
  type StartConfig,
  type ToChild,
} from './protocol.js'

export interface CredoLaunchOptions {
  label: string
  /** The agent process to fork (default: this folder's, Credo 0.5.19). */
  entry?: string
  /** The wallet goes into this directory. */
  dataDir: string
  /** The child's stdout and stderr (its whole log) are appended here. */
  logFile: string
  readyTimeoutMs?: number
  /** The bound of each request (default 30 s). */
  requestTimeoutMs?: number
  /** Called when a request went unanswered within its bound: the agent may be hung. */
  onUnresponsive?: (detail: string) => void
  /** Start with @credo-ts/tenants, keeping tenants this way (the 0.5 line only). */
  tenancy?: StartConfig['tenancy']
  /** Run the agent as a container of this image (images build credo@<version>) instead of a child process. */
  container?: { image: string }
}

export class CredoLaunchError extends StartError {}

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
 * A running Credo child. `events` keeps every agent event received; once the child is gone, every
 * wait on it fails at once with the reason and the log tail.
 */
export class CredoAgentProcess {
  readonly events = new EventLog<CredoEvent>(describeEvent)
  /** The agent's DIDComm endpoint, set once the child is ready. */
  endpoint = ''
  /** Why the child is gone (`exited with code 1`, `exited with signal SIGKILL`), once it is. */
  exitReason?: string
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  /** Resolves with how the child ended (`exited with signal SIGKILL`), once it has. */
  readonly ended: Promise<string>
  private readonly exited: Promise<void>
  private readonly exitListeners = new Set<(reason: string) => void>()

  private link?: ControlLink

  private constructor(
    readonly label: string,
    readonly logFile: string,
    private readonly proc: Supervised,
    private readonly requestTimeoutMs: number,
    private readonly onUnresponsive?: (detail: string) => void,
  ) {
    let ended: (reason: string) => void = () => {}
    this.ended = new Promise((resolve) => (ended = resolve))
    this.exitListeners.add((reason) => ended(reason))
    this.exited = proc.exited.then((how) => this.onExit(`exited with ${how}`))
  }

  /** The channel, once the agent has opened it (a container's connects after start). */
  private attach(link: ControlLink): void {
    this.link = link
    link.onMessage((message) => this.onMessage(message))
  }

  get pid(): number {
    return this.proc.pid
  }

  get alive(): boolean {
    return this.exitReason === undefined
  }

  static async launch(opts: CredoLaunchOptions): Promise<CredoAgentProcess> {
    mkdirSync(opts.dataDir, { recursive: true })
    const config: StartConfig = {
      label: opts.label,
      dataDir: opts.dataDir,
      logLevel: process.env.DIDCOMM_CONFORMANCE_LOG_LEVEL ?? 'debug',
      ...(opts.tenancy ? { tenancy: opts.tenancy } : {}),
    }
    const entry = opts.entry ?? ENTRY
    const common = { name: `Credo "${opts.label}"`, logFile: opts.logFile, startError: CredoLaunchError }
    const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
    const make = (proc: Supervised) =>
      new CredoAgentProcess(
        opts.label,
        opts.logFile,
        proc,
        opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        opts.onUnresponsive,
      )
    let agent: CredoAgentProcess
    if (!opts.container) {
      const proc = spawnManaged({
        ...common,
        command: entry,
        args: [JSON.stringify(config)],
        cwd: opts.dataDir,
        // Only what the child needs: the harness's own flags (a test runner's, say) are not for it. tsx's ESM
        // hooks alone compile the TypeScript entry, and Credo's CommonJS modules load through Node's own
        // loader, which starts quicker.
        ipc: { execArgv: ['--import', import.meta.resolve('tsx/esm')] },
        stopGraceMs: STOP_GRACE_MS,
        // `agent` is set before anything can stop the process: nothing runs between the two statements.
        beforeStop: () => agent.shutdown(),
      })
      agent = make(proc)
      agent.attach(ipcLink(proc.child))
    } else {
      // A container has no IPC channel: it connects back to a loopback port, proving itself with a token.
      const token = randomBytes(16).toString('hex')
      const listener = await listenForAgent(token)
      let proc: ContainerProcess
      try {
        proc = await ContainerProcess.start({
          ...common,
          image: opts.container.image,
          command: ['node', '--import', 'tsx/esm', credoImageEntry(entry), JSON.stringify(config)],
          env: { [CONTROL_VARIABLE]: `${listener.port} ${token}`, HOME: opts.dataDir },
          mounts: [{ path: opts.dataDir }],
          workdir: CREDO_IMAGE_HOME,
          stopGraceSeconds: STOP_GRACE_MS / 1000,
          beforeStop: () => agent.shutdown(),
        })
      } catch (e) {
        listener.close()
        throw e
      }
      agent = make(proc)
      const connected = await Promise.race([listener.connected, proc.exited.then(() => undefined)])
      listener.close()
      if (!connected) throw await proc.failStart(new Error(`the container ${proc.exitInfo} before it connected`))
      agent.attach(connected)
    }
    try {
      await agent.ready(readyTimeoutMs)
    } catch (e) {
      throw await agent.proc.failStart(e)
    }
    return agent
  }

  /** Sends a request and resolves with its result; rejects on the agent's error, on timeout and on exit. */
  request<M extends Method>(
    method: M,
    params: Methods[M]['params'],
    timeoutMs = this.requestTimeoutMs,
  ): Promise<Methods[M]['result']> {
    if (!this.alive) return Promise.reject(this.goneError(method))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        const detail = `stopped answering (no answer to ${method} within ${timeoutMs} ms)`
        this.onUnresponsive?.(detail)
        reject(new Error(`Credo "${this.label}" ${detail}`))
      }, timeoutMs)
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject, timer })
      const message: ToChild = { kind: 'request', id, method, params }
      this.link?.send(message).catch((err: Error) => {
        clearTimeout(timer)
        this.pending.delete(id)
        reject(new Error(`Credo "${this.label}": could not send ${method}: ${err.message}`))
      })
    })
  }

  async logTail(lines = 40): Promise<string> {
    return (await this.proc.logTail(lines)) || `(no log at ${this.logFile})`
  }

  /** Shuts Credo down cleanly if it answers, then makes sure the process is gone. */
  async stop(): Promise<void> {
    await this.proc.stop()
    await this.exited
  }

  /** Asks Credo to shut down cleanly; before it is ready it may not serve requests, and stops on SIGTERM. */
  private async shutdown(): Promise<void> {
    if (this.endpoint) await this.request('shutdown', {}, SHUTDOWN_TIMEOUT_MS).catch(() => undefined)
    // The agent exits when its control channel closes.
    this.link?.close()
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
        off?.()
        this.exitListeners.delete(onExit)
        if (error) reject(error)
        else resolve()
      }
      const off = this.link?.onMessage(onMessage)
      this.exitListeners.add(onExit)
    })
  }

  private onMessage(message: FromChild): void {
    if (message.kind === 'event') {
      this.events.push(message.event)
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
    for (const listener of this.exitListeners) listener(reason)
    void this.logTail(40).then((tail) => {
      this.events.fail(this.goneError('the wait', tail))
      for (const p of pending) p.reject(this.goneError(p.method, tail))
    })
  }

  /** The error for a call the child can no longer answer: the exit, and the log tail where known. */
  goneError(what: string, tail?: string): Error {
    const log = tail === undefined ? ` (log: ${this.logFile})` : `\n--- log tail (${this.logFile}) ---\n${tail}`
    return new Error(`Credo "${this.label}" (pid ${this.pid}) ${this.exitReason}: ${what} cannot complete${log}`)
  }
}

function describeEvent(e: CredoEvent): string {
  switch (e.type) {
    case 'connection':
      return `connection ${e.connection.id} ${e.connection.state}`
    case 'trust-ping-response':
      return `trust ping response thid=${e.threadId}`
    case 'basic-message':
      return `basic message "${e.content}"`
    case 'did-rotated':
      return `did rotated on ${e.connectionId}${e.ourDid ? ` (ours to ${e.ourDid.to})` : ''}${e.theirDid ? ` (theirs to ${e.theirDid.to})` : ''}`
  }
}

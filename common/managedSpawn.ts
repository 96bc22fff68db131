/**
 * The one way the harness starts a process of its own (ACA-Py, a Credo child, an Indy node): its
 * output straight into a log file (so even a crash before logging is configured is kept), a process
 * group of its own that is stopped on exit, error and Ctrl-C (common/processes.ts), a bounded wait
 * for readiness that fails at once if the process exits, and a failed start that stops the process
 * before it throws with the log tail.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import path from 'node:path'
import { manage, type ManagedProcess } from './processes.js'
import { tailFile } from './tail.js'
import { pollUntil, WaitTimeoutError } from './waitFor.js'

export interface SpawnOptions extends SupervisionOptions {
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Fork a Node entry (`command`) with an IPC channel instead of spawning a program. */
  ipc?: { execArgv: string[] }
  /** SIGTERM, then SIGKILL after this long. */
  stopGraceMs: number
  /** What Ctrl-C or the harness's exit runs for it (default: stop it); a pool stops all its nodes. */
  onInterrupt?: () => Promise<void>
}

/** Why a start failed: the cause, and the log tail. */
export class StartError extends Error {}

/** What a supervised agent process (a child of the harness, or a container) is named and logged as. */
export interface SupervisionOptions {
  /** How messages name the process (`ACA-Py "acapy-1.7.0-1"`). */
  name: string
  /** stdout and stderr are appended here. */
  logFile: string
  /** Removes secrets from what the log tail shows. */
  redact?: (text: string) => string
  /** The error class a failed start throws (a StartError of the launcher's own). */
  startError?: new (message: string) => StartError
  /** Runs before the process is signalled on stop (e.g. a clean shutdown request). */
  beforeStop?: () => Promise<void>
}

/** A started process the harness waits on until ready, reads the log of, and stops: a child or a container. */
export abstract class Supervised {
  constructor(protected readonly supervision: SupervisionOptions) {}

  /** How the process ended (`signal SIGKILL`, `code 1`), once it has; undefined while it runs. */
  abstract get exitInfo(): string | undefined
  /** Resolves with how the process ended once it has. */
  abstract get exited(): Promise<string>
  abstract get pid(): number
  abstract stop(): Promise<void>

  async logTail(lines = 40): Promise<string> {
    const text = await tailFile(this.supervision.logFile, lines)
    return this.supervision.redact ? this.supervision.redact(text) : text
  }

  /**
   * Polls `probe` until it answers true, bounded by `timeoutMs`; the process exiting meanwhile, or the
   * probe throwing, fails the start at once. A failed start stops the process and throws StartError
   * with the cause and the log tail.
   */
  async waitReady(params: { timeoutMs: number; probe: () => Promise<boolean> }): Promise<void> {
    try {
      await pollUntil({
        timeoutMs: params.timeoutMs,
        awaited: `${this.supervision.name} to be ready`,
        probe: async () => {
          if (this.exitInfo) throw new Error(`process exited (${this.exitInfo}) before becoming ready`)
          return (await params.probe()) ? true : undefined
        },
      })
    } catch (e) {
      throw await this.failStart(e instanceof WaitTimeoutError ? `not ready within ${params.timeoutMs} ms` : e)
    }
  }

  /** Stops the process and gives the error that says why it did not start, with its log tail. */
  async failStart(cause: unknown): Promise<StartError> {
    await this.stop()
    const why = cause instanceof Error ? cause.message : String(cause)
    const tail = await this.logTail()
    const ErrorType = this.supervision.startError ?? StartError
    const { name, logFile } = this.supervision
    return new ErrorType(`${name} failed to start: ${why}\n--- log tail (${logFile}) ---\n${tail}`)
  }
}

export class SpawnedProcess extends Supervised {
  readonly proc: ManagedProcess
  private stopping?: Promise<void>

  constructor(
    readonly child: ChildProcess,
    private readonly opts: SpawnOptions,
  ) {
    super(opts)
    this.proc = manage(child, opts.onInterrupt ?? (() => this.stop()))
  }

  get pid(): number {
    return this.child.pid as number
  }

  get exitInfo(): string | undefined {
    return this.proc.exitInfo
  }

  get exited(): Promise<string> {
    return this.proc.exited.then(() => this.proc.exitInfo ?? 'exited')
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.proc.alive) await this.opts.beforeStop?.().catch(() => undefined)
      await this.proc.stop(this.opts.stopGraceMs)
    })()
    return this.stopping
  }
}

export function spawnManaged(opts: SpawnOptions): SpawnedProcess {
  mkdirSync(path.dirname(opts.logFile), { recursive: true })
  const log = openSync(opts.logFile, 'a')
  let child: ChildProcess
  try {
    // Detached: a process group of its own, so a Ctrl-C in the terminal reaches the harness, which stops it in order.
    const common = { env: opts.env ?? process.env, cwd: opts.cwd, detached: true } as const
    child = opts.ipc
      ? fork(opts.command, opts.args, { ...common, execArgv: opts.ipc.execArgv, stdio: ['ignore', log, log, 'ipc'] })
      : spawn(opts.command, opts.args, { ...common, stdio: ['ignore', log, log] })
  } finally {
    closeSync(log)
  }
  return new SpawnedProcess(child, opts)
}

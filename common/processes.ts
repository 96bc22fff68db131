import type { ChildProcess } from 'node:child_process'

/**
 * Every child process the harness starts goes through here: each runs in a process group of its own
 * (spawned `detached`), is stopped with its whole group, and is stopped on Ctrl-C, on SIGTERM and
 * when the harness exits, however the harness ends.
 */
export class ManagedProcess {
  /** Resolves once the process has exited (or failed to spawn); never rejects. */
  readonly exited: Promise<void>
  /** How the process ended (`code 1`, `signal SIGKILL`, `spawn error: …`), once it has. */
  exitInfo?: string

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo ??= signal ? `signal ${signal}` : `code ${code}`
        resolve()
      })
      child.once('error', (err) => {
        this.exitInfo ??= `spawn error: ${err.message}`
        resolve()
      })
    })
    void this.exited.then(() => managed.delete(this))
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.exitInfo === undefined
  }

  /** Signals the whole process group, so whatever the process forked goes too. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined || !this.alive) return
    try {
      process.kill(-this.child.pid, signal)
    } catch {
      // Already gone.
    }
  }

  /** SIGTERM, then SIGKILL if the group has not exited within `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.alive) {
      // A stopped process (SIGSTOP) acts on SIGTERM only once it runs again.
      this.signal('SIGCONT')
      this.signal('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const graceful = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ])
      clearTimeout(timer)
      if (!graceful) {
        this.signal('SIGKILL')
        await this.exited
      }
    }
    managed.delete(this)
  }
}

const managed = new Set<ManagedProcess>()
const stoppers = new Set<() => Promise<void>>()
let hooksInstalled = false

/** Takes charge of a child spawned with `detached: true`; `stop` is what Ctrl-C runs for it. */
export function manage(child: ChildProcess, stop: () => Promise<void>): ManagedProcess {
  const proc = new ManagedProcess(child)
  managed.add(proc)
  const stopper = async () => {
    await stop()
    stoppers.delete(stopper)
  }
  stoppers.add(stopper)
  void proc.exited.then(() => stoppers.delete(stopper))
  installHooks()
  return proc
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  // Nothing asynchronous can run in 'exit', so leftovers are killed outright.
  process.on('exit', () => {
    for (const p of managed) p.signal('SIGKILL')
  })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = async () => {
      // Decided now, while the other handlers of this signal (the runner's, say) are still registered.
      const alone = process.listenerCount(signal) === 1
      await Promise.allSettled([...stoppers].map((stop) => stop()))
      // A handler cancels Node's default action; with nobody else to act on it, exit as the default would.
      if (alone) process.exit(128 + (signal === 'SIGINT' ? 2 : 15))
    }
    process.on(signal, onSignal)
  }
}

/**
 * Runs `stop` on Ctrl-C and SIGTERM, for what the harness started that is no child of its own (a
 * container); returns the function that takes it off again once it is stopped.
 */
export function stopOnInterrupt(stop: () => Promise<void>): () => void {
  stoppers.add(stop)
  installHooks()
  return () => stoppers.delete(stop)
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

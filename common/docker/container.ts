/**
 * An agent run as a container instead of a child process, supervised the same way (common/managedSpawn.ts):
 * its output into the run's log file, a bounded wait for readiness that fails at once if it exits, and a
 * stop with a short grace period followed by removal, also on error and Ctrl-C. Containers use the
 * host's network, so the agent listens on the same loopback ports a process would, and its data
 * directories are mounted at the same paths, so nothing else about the agent changes.
 */
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import type Docker from 'dockerode'
import { Supervised, type SupervisionOptions } from '../managedSpawn.js'
import { adoptedProcesses } from '../machineLoad.js'
import { stopOnInterrupt } from '../processes.js'
import { connectEngine, DockerUnavailableError, OWNER_LABEL, ownerOf } from './engine.js'

export interface ContainerOptions extends SupervisionOptions {
  image: string
  /** The program and its arguments (the image's entrypoint is replaced). */
  command: string[]
  env: Record<string, string>
  /** Host paths mounted at the same path inside; `:ro` appended for read-only ones. */
  mounts: Array<{ path: string; readOnly?: boolean }>
  workdir?: string
  /** Seconds `docker stop` waits after SIGTERM before SIGKILL. */
  stopGraceSeconds: number
}

export class ContainerProcess extends Supervised {
  private ended?: string
  private readonly done: Promise<string>
  private stopping?: Promise<void>
  private readonly unregister: () => void

  private constructor(
    private readonly container: Docker.Container,
    readonly pid: number,
    private readonly opts: ContainerOptions,
    private readonly closeLog: () => void,
  ) {
    super(opts)
    this.done = container.wait().then(
      (r: { StatusCode: number }) => (this.ended = `code ${r.StatusCode}`),
      (e: Error) => (this.ended = `wait failed: ${e.message}`),
    )
    this.unregister = stopOnInterrupt(() => this.stop())
    // Its CPU is this run's, for the waits that ask whether the run is at work (common/calibration.ts).
    adoptedProcesses.add(pid)
    void this.done.then(() => adoptedProcesses.delete(pid))
  }

  /** Creates and starts the container; the log is attached before start so no early line is lost. */
  static async start(opts: ContainerOptions): Promise<ContainerProcess> {
    const { docker } = await connectEngine()
    if (
      !(await docker
        .getImage(opts.image)
        .inspect()
        .catch(() => undefined))
    ) {
      throw new DockerUnavailableError(`${opts.name}: image ${opts.image} is not in the Docker engine`)
    }
    const container = await docker.createContainer({
      Image: opts.image,
      Entrypoint: opts.command.slice(0, 1),
      Cmd: opts.command.slice(1),
      Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: opts.workdir,
      // Files the agent writes in the mounted directories stay the harness user's own.
      User: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
      Labels: { [OWNER_LABEL]: ownerOf() },
      HostConfig: {
        NetworkMode: 'host',
        // tini as PID 1 forwards SIGTERM, so a stop does not wait out the grace period.
        Init: true,
        Binds: opts.mounts.map((m) => `${m.path}:${m.path}${m.readOnly ? ':ro' : ''}`),
      },
    })
    mkdirSync(path.dirname(opts.logFile), { recursive: true })
    const log = createWriteStream(opts.logFile, { flags: 'a' })
    const stream = await container.attach({ stream: true, stdout: true, stderr: true })
    container.modem.demuxStream(stream, log, log)
    const closeLog = () => {
      ;(stream as Duplex).destroy()
      log.end()
    }
    try {
      await container.start()
      const info = await container.inspect()
      return new ContainerProcess(container, info.State.Pid, opts, closeLog)
    } catch (e) {
      closeLog()
      await container.remove({ force: true }).catch(() => undefined)
      throw new DockerUnavailableError(`${opts.name}: the container did not start: ${(e as Error).message}`)
    }
  }

  get exitInfo(): string | undefined {
    return this.ended
  }

  get exited(): Promise<string> {
    return this.done
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (!this.ended) await this.opts.beforeStop?.().catch(() => undefined)
      await this.container.stop({ t: this.opts.stopGraceSeconds }).catch(() => undefined)
      await this.done
      this.closeLog()
      await this.container.remove({ force: true }).catch(() => undefined)
      this.unregister()
    })()
    return this.stopping
  }
}

import path from 'node:path'
import type { Ledger } from '../agents/indy-pool/resource.js'
import { WaitCalibration } from '../common/calibration.js'
import { agentId, type AgentRef } from '../contract/agentId.js'
import { describeAgentFailure, type AgentDescription, type AgentFailure } from '../contract/summary.js'
import { capabilityDriver, type Capabilities, type CapabilityName, type Driver } from './capabilities.js'

/** How the run drives every agent: the bound of each call and wait, and whether waits learn a shorter one. */
export interface HostSettings {
  /** The step's bound (`--timeout`): the ceiling of every wait and every call to the agent. */
  timeoutMs: number
  /** Waits on the agent are bounded by what the run observes of it (common/calibration.ts), under the ceiling. */
  calibrate: boolean
  /** What the run observes of all its agents, for an agent not yet seen enough. */
  runCalibration?: WaitCalibration
}

/** What the runner hands every host at start: the run's directory, and the Indy pool when the run has one. */
export interface RunResources {
  runDir: string
  ledger?: Ledger
  /** The run's tails server (runner/tails.ts), where issuers upload the tails files of their registries. */
  tailsServerUrl?: string
}

/**
 * Owns one running agent (a process, a child, or the reference agent in this process): starts and
 * stops it and gives drivers onto it. Configuration an agent needs for a suite is the host's, never
 * the steps'.
 */
export interface AgentHost {
  readonly ref: AgentRef
  /** Unique in the run, e.g. `acapy-1.7.0-1`. */
  readonly instance: string
  start(resources: RunResources): Promise<void>
  stop(): Promise<void>
  /** The agent as it reported itself once started (its own version where it says). */
  describe(): AgentDescription
  /** The last lines of the agent's own log, for failure evidence (never containing secrets). */
  logTail(lines?: number): Promise<string>
  driver(): Driver
}

/** What every host does alike: its identity, the driver it gives once started, and how it describes itself. */
export abstract class BaseHost implements AgentHost {
  private current?: Driver
  private gone?: AgentFailure
  private readonly calibrationOfHost = new WaitCalibration()

  constructor(
    readonly ref: AgentRef,
    readonly instance: string,
    protected readonly settings: HostSettings,
  ) {
    if (settings.runCalibration) this.calibrationOfHost.fallback = settings.runCalibration
  }

  /** The host's calibration, for logs made later (a tenant's webhooks), when the run calibrates. */
  protected calibration(): WaitCalibration | undefined {
    return this.settings.calibrate ? this.calibrationOfHost : undefined
  }

  /** Lets the waits on these logs of the agent take the bound its observed round trips call for. */
  protected calibrate(...logs: Array<{ calibration?: WaitCalibration }>): void {
    if (this.settings.calibrate) for (const log of logs) log.calibration = this.calibrationOfHost
  }

  abstract start(resources: RunResources): Promise<void>
  abstract stop(): Promise<void>
  abstract logTail(lines?: number): Promise<string>

  describe(): AgentDescription {
    return { id: agentId(this.ref), family: this.ref.family, version: this.ref.version }
  }

  driver(): Driver {
    if (!this.current) throw new Error(`${this.instance} is not started`)
    return this.current
  }

  /** Called by `start` once the agent runs: the capabilities it offers from now on. */
  protected offer(capabilities: Partial<Capabilities>, reasons: Partial<Record<CapabilityName, string>> = {}): void {
    const identity = {
      instance: this.instance,
      agentId: agentId(this.ref),
      logTail: (n?: number) => this.logTail(n),
      failure: () => this.gone,
      checkHealth: async () => {
        if (!this.gone) await this.probe().catch(() => undefined)
        return this.gone
      },
    }
    this.current = capabilityDriver(identity, capabilities, reasons)
  }

  /** Where the agent's own log goes in the run's directory. */
  protected logFileIn(resources: RunResources): string {
    return path.join(resources.runDir, 'logs', `${this.instance}.log`)
  }

  /** Why the agent is gone, once it is. */
  protected get failure(): AgentFailure | undefined {
    return this.gone
  }

  /** A cheap request the agent must answer within the bound; one it does not marks it gone. */
  protected async probe(): Promise<void> {}

  /**
   * The agent exited or stopped answering (the first cause counts): every wait on it fails at once
   * with `fail`, and the runner marks what would need it as not run.
   */
  protected agentFailed(kind: AgentFailure['kind'], detail: string, fail: (error: Error) => void): void {
    if (this.gone) return
    this.gone = { kind, agent: this.instance, detail }
    fail(new Error(describeAgentFailure(this.gone)))
  }
}

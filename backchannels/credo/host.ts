import path from 'node:path'
import { CredoAgentProcess } from '../../agents/credo/launcher.js'
import { CREDO_VERSION_SPECS } from '../../agents/credo/versions.js'
import { agentId, type AgentRef } from '../../contract/agentId.js'
import type { AgentDescription } from '../../contract/summary.js'
import { capabilityDriver, type Driver } from '../capabilities.js'
import type { AgentHost, RunResources } from '../host.js'
import { CredoConnections } from './connections.js'
import { CredoDidRotate } from './didRotate.js'
import { CredoMessaging } from './messaging.js'

/** Credo-ts driven in a child process of its own (agents/credo), observed through the events it forwards. */
export class CredoHost implements AgentHost {
  private process?: CredoAgentProcess
  private logFile?: string
  private current?: Driver

  constructor(
    readonly ref: AgentRef,
    readonly instance: string,
    /** The bound of every request to the agent. */
    private readonly timeoutMs: number,
  ) {}

  /** The running child; tests use it to see or to end the process itself. */
  get agentProcess(): CredoAgentProcess {
    if (!this.process) throw new Error(`${this.instance} is not started`)
    return this.process
  }

  async start(resources: RunResources): Promise<void> {
    this.logFile = path.join(resources.runDir, 'logs', `${this.instance}.log`)
    const spec = CREDO_VERSION_SPECS[this.ref.version]
    if (!spec) throw new Error(`Credo ${this.ref.version} is not a version the harness runs`)
    const agent = await CredoAgentProcess.launch({
      label: this.instance,
      entry: spec.entry,
      readyTimeoutMs: spec.readyTimeoutMs,
      requestTimeoutMs: this.timeoutMs,
      dataDir: path.join(resources.runDir, 'agents', this.instance),
      logFile: this.logFile,
    })
    this.process = agent
    this.current = capabilityDriver(this.driverIdentity(), {
      connections: new CredoConnections(agent, this.instance),
      messaging: new CredoMessaging(agent, this.instance),
      didRotate: new CredoDidRotate(agent, this.instance),
    })
  }

  async stop(): Promise<void> {
    await this.process?.stop()
    this.process = undefined
  }

  describe(): AgentDescription {
    return { id: agentId(this.ref), family: this.ref.family, version: this.ref.version }
  }

  async logTail(lines = 40): Promise<string> {
    if (this.process) return this.process.logTail(lines)
    return `(${this.instance} is not running${this.logFile ? `; log: ${this.logFile}` : ''})`
  }

  private driverIdentity() {
    return { instance: this.instance, agentId: agentId(this.ref), logTail: (lines?: number) => this.logTail(lines) }
  }

  driver(): Driver {
    if (!this.current) throw new Error(`${this.instance} is not started`)
    return this.current
  }
}

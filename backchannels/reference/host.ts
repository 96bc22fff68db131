import path from 'node:path'
import { ReferenceAgent } from '../../agents/reference/agent.js'
import { fileLogger } from '../../common/logger.js'
import { tailFile } from '../../common/tail.js'
import { agentId, type AgentRef } from '../../contract/agentId.js'
import type { AgentDescription } from '../../contract/summary.js'
import { capabilityDriver, type Driver } from '../capabilities.js'
import type { AgentHost, RunResources } from '../host.js'
import { ReferenceConnections } from './connections.js'
import { ReferenceDidRotate } from './didRotate.js'
import { ReferenceInstrument } from './instrument.js'
import { ReferenceMessaging } from './messaging.js'

/** The reference agent, in the harness's own process. */
export class ReferenceHost implements AgentHost {
  private running?: ReferenceAgent
  private logFile?: string
  private current?: Driver

  constructor(
    readonly ref: AgentRef,
    readonly instance: string,
  ) {}

  /** The agent itself, for the harness's own tests of it. */
  get agent(): ReferenceAgent {
    if (!this.running) throw new Error(`${this.instance} is not started`)
    return this.running
  }

  async start(resources: RunResources): Promise<void> {
    this.logFile = path.join(resources.runDir, 'logs', `${this.instance}.log`)
    const agent = await ReferenceAgent.start({
      label: this.instance,
      dataDir: path.join(resources.runDir, 'agents', this.instance),
      logger: fileLogger(this.logFile, this.instance),
    })
    this.running = agent
    const instrument = new ReferenceInstrument(agent)
    this.current = capabilityDriver(this.driverIdentity(), {
      connections: new ReferenceConnections(agent, this.instance),
      messaging: new ReferenceMessaging(agent, instrument, this.instance),
      didRotate: new ReferenceDidRotate(agent, this.instance),
      instrument,
    })
  }

  async stop(): Promise<void> {
    await this.running?.stop()
    this.running = undefined
  }

  describe(): AgentDescription {
    return { id: agentId(this.ref), family: this.ref.family, version: this.ref.version }
  }

  async logTail(lines = 40): Promise<string> {
    if (!this.logFile) return `(${this.instance} was not started)`
    return (await tailFile(this.logFile, lines)) || `(no log at ${this.logFile})`
  }

  private driverIdentity() {
    return { instance: this.instance, agentId: agentId(this.ref), logTail: (lines?: number) => this.logTail(lines) }
  }

  driver(): Driver {
    if (!this.current) throw new Error(`${this.instance} is not started`)
    return this.current
  }
}

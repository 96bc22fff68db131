import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber'
import type { Backchannel, InvitationResult } from '../../backchannels/backchannel.js'
import { ReferenceBackchannel } from '../../backchannels/reference.js'
import type { TraceEntry } from '../../agents/reference/didcomm/tap.js'
import { agentInstance } from '../../runner/context.js'

export interface WorldParameters {
  /** Role name → agent instance, e.g. `{ inviter: 'reference-1', invitee: 'acapy-1' }`. */
  roles: Record<string, string>
  timeoutMs: number
}

/** Per-scenario state: which agent plays which role, and what the scenario has made so far. */
export class ConformanceWorld extends World<WorldParameters> {
  invitation?: InvitationResult
  /** Role → the id of that agent's connection for this scenario. */
  readonly connections: Record<string, string> = {}
  /** Role → the id of the last message that role sent (trust ping, probe, …). */
  readonly sent: Record<string, string> = {}
  /** Reference agent instance → its tap position when the scenario started. */
  readonly marks = new Map<string, number>()
  lastError?: Error
  /** RFC 0794: the rotating party's DID when the scenario first rotated or hung up, and what it rotated to. */
  rotation?: { before: string; newDid?: string }
  /** RFC 0794: the connection ids that a hangup ended, per role, and the rotating reference's tap mark then. */
  ended?: { connections: Record<string, string>; mark: number }
  /** The last message a step found in a reference agent's trace, for the steps that look closer at it. */
  found?: TraceEntry

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options)
  }

  agent(role: string): Backchannel {
    const instance = this.parameters.roles[role]
    if (!instance) throw new Error(`no agent plays the role ${role} in this scenario`)
    return agentInstance(instance)
  }

  /** Steps that inject faults or read the trace need the reference agent in that role. */
  reference(role: string): ReferenceBackchannel {
    const agent = this.agent(role)
    if (!(agent instanceof ReferenceBackchannel)) {
      throw new Error(`this step needs the reference agent as ${role}, but ${agent.instance} plays it`)
    }
    return agent
  }

  connection(role: string): string {
    const id = this.connections[role]
    if (!id) throw new Error(`the ${role} has no connection in this scenario yet`)
    return id
  }

  get timeoutMs(): number {
    return this.parameters.timeoutMs
  }

  /** Every reference agent playing a role in this scenario. */
  referenceAgents(): Array<{ role: string; agent: ReferenceBackchannel }> {
    return Object.keys(this.parameters.roles)
      .map((role) => ({ role, agent: this.agent(role) }))
      .filter((r): r is { role: string; agent: ReferenceBackchannel } => r.agent instanceof ReferenceBackchannel)
  }
}

setWorldConstructor(ConformanceWorld)

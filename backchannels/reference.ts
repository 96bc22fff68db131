import path from 'node:path'
import { fileLogger } from '../common/logger.js'
import { tailFile } from '../common/tail.js'
import { waitForEvent } from '../common/waitFor.js'
import { ReferenceAgent } from '../agents/reference/agent.js'
import type { ConnectionRecord } from '../agents/reference/connections.js'
import type { TraceEntry } from '../agents/reference/didcomm/tap.js'
import { sendBasicMessage } from '../agents/reference/protocols/basicMessage.js'
import { hangup, rotate } from '../agents/reference/protocols/didRotate.js'
import { createInvitation, receiveInvitation } from '../agents/reference/protocols/outOfBand.js'
import { sameDid } from '../agents/reference/dids/compare.js'
import { sendTrustPing } from '../agents/reference/protocols/trustPing.js'
import packageJson from '../package.json' with { type: 'json' }
import {
  DEFAULT_WAIT_MS,
  hasReachedState,
  type AgentDescription,
  type Backchannel,
  type ConnectionInfo,
  type ConnectionState,
  type CreateInvitationOptions,
  type InvitationResult,
  type ReceiveInvitationOptions,
  type ReceivedBasicMessage,
  type WaitOptions,
} from './backchannel.js'

/** The reference agent behind the Backchannel interface, in the harness's own process. */
export class ReferenceBackchannel implements Backchannel {
  readonly name = 'reference'
  private agentInstance?: ReferenceAgent
  private readonly logFile: string

  constructor(
    readonly instance: string,
    private readonly runDir: string,
  ) {
    this.logFile = path.join(runDir, 'logs', `${instance}.log`)
  }

  /** The agent itself, for steps that read its trace or arm its faults. */
  get agent(): ReferenceAgent {
    if (!this.agentInstance) throw new Error(`${this.instance} is not started`)
    return this.agentInstance
  }

  async start(): Promise<void> {
    this.agentInstance = await ReferenceAgent.start({
      label: this.instance,
      dataDir: path.join(this.runDir, 'agents', this.instance),
      logger: fileLogger(this.logFile, this.instance),
    })
  }

  async stop(): Promise<void> {
    await this.agentInstance?.stop()
    this.agentInstance = undefined
  }

  async describe(): Promise<AgentDescription> {
    return { name: this.name, version: packageJson.version }
  }

  async createInvitation(options: CreateInvitationOptions = {}): Promise<InvitationResult> {
    return createInvitation(this.agent, options)
  }

  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: ReceiveInvitationOptions = {},
  ): Promise<string> {
    const connection = await receiveInvitation(this.agent, invitation, options)
    return connection.id
  }

  async waitForConnectionFromInvitation(invitationId: string, options: WaitOptions = {}): Promise<string> {
    const find = () => this.agent.connections.find((c) => c.invitationId === invitationId && c.role === 'responder')
    const record = await waitForEvent<ConnectionRecord, ConnectionRecord>({
      emitter: this.agent.connections,
      event: 'changed',
      match: (c) => (c.invitationId === invitationId && c.role === 'responder' ? c : undefined),
      check: find,
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited: `a DID Exchange request for invitation ${invitationId} at ${this.instance}`,
      seen: () => this.describeTraffic(),
    })
    return record.id
  }

  async waitForConnectionState(
    connectionId: string,
    state: ConnectionState,
    options: WaitOptions = {},
  ): Promise<ConnectionInfo> {
    const reached = (c: ConnectionRecord | undefined) =>
      c?.id === connectionId &&
      hasReachedState(c.state, state, {
        connectionId,
        agent: this.instance,
        ...(c.problem ? { problem: c.problem } : {}),
      })
        ? c
        : undefined
    const record = await waitForEvent<ConnectionRecord, ConnectionRecord>({
      emitter: this.agent.connections,
      event: 'changed',
      match: reached,
      check: () => reached(this.agent.connections.get(connectionId)),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited: `connection ${connectionId} at ${this.instance} to reach state ${state}`,
      seen: () => `state ${this.agent.connections.get(connectionId)?.state}; ${this.describeTraffic()}`,
    })
    return toInfo(record)
  }

  async getConnection(connectionId: string): Promise<ConnectionInfo> {
    return toInfo(this.agent.connections.require(connectionId))
  }

  async sendTrustPing(connectionId: string): Promise<string> {
    return sendTrustPing(this.agent, connectionId)
  }

  async waitForTrustPingResponse(connectionId: string, pingId: string, options: WaitOptions = {}): Promise<void> {
    await this.waitForInbound(
      (e) => e.connectionId === connectionId && e.thid === pingId && e.type.endsWith('/ping_response'),
      `a trust ping response to ${pingId} at ${this.instance}`,
      options,
    )
  }

  async sendBasicMessage(connectionId: string, content: string): Promise<void> {
    await sendBasicMessage(this.agent, connectionId, content)
  }

  async waitForBasicMessage(
    connectionId: string,
    content: string,
    options: WaitOptions = {},
  ): Promise<ReceivedBasicMessage> {
    const entry = await this.waitForInbound(
      (e) =>
        e.connectionId === connectionId && e.type.endsWith('basicmessage/1.0/message') && e.message.content === content,
      `basic message "${content}" on connection ${connectionId} at ${this.instance}`,
      options,
    )
    const sentTime = entry.message.sent_time
    return { content, ...(typeof sentTime === 'string' ? { sentTime } : {}) }
  }

  async rotate(connectionId: string, options: { toDid?: string } = {}): Promise<{ newDid: string }> {
    const { newDid } = await rotate(this.agent, connectionId, options)
    return { newDid }
  }

  async hangup(connectionId: string): Promise<void> {
    await hangup(this.agent, connectionId)
  }

  async waitForMyDid(connectionId: string, did: string, options: WaitOptions = {}): Promise<ConnectionInfo> {
    const done = (c: ConnectionRecord | undefined) => (c?.id === connectionId && sameDid(c.myDid, did) ? c : undefined)
    const record = await waitForEvent<ConnectionRecord, ConnectionRecord>({
      emitter: this.agent.connections,
      event: 'changed',
      match: done,
      check: () => done(this.agent.connections.get(connectionId)),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited: `connection ${connectionId} at ${this.instance} to use ${did} as its own DID`,
      seen: () => `own DID ${this.agent.connections.get(connectionId)?.myDid}; ${this.describeTraffic()}`,
    })
    return toInfo(record)
  }

  async waitForHangupProcessed(connectionId: string, options: WaitOptions = {}): Promise<void> {
    const done = (c: ConnectionRecord | undefined) =>
      c?.id === connectionId && c.hungUp === 'received' ? c : undefined
    await waitForEvent<ConnectionRecord, ConnectionRecord>({
      emitter: this.agent.connections,
      event: 'changed',
      match: done,
      check: () => done(this.agent.connections.get(connectionId)),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited: `connection ${connectionId} at ${this.instance} to end with the hangup received`,
      seen: () => this.describeTraffic(),
    })
  }

  async logTail(lines = 40): Promise<string> {
    return (await tailFile(this.logFile, lines)) || `(no log at ${this.logFile})`
  }

  /** Waits for an inbound message in the tap (including one already there). */
  waitForInbound(match: (e: TraceEntry) => boolean, awaited: string, options: WaitOptions = {}): Promise<TraceEntry> {
    return this.waitForTrace('inbound', match, awaited, options)
  }

  /** Waits for a message in the tap, in one direction (including one already there). */
  waitForTrace(
    direction: TraceEntry['direction'],
    match: (e: TraceEntry) => boolean,
    awaited: string,
    options: WaitOptions = {},
  ): Promise<TraceEntry> {
    const pick = (e: TraceEntry) => (e.direction === direction && match(e) ? e : undefined)
    const mark = this.agent.tap.mark()
    return waitForEvent<TraceEntry, TraceEntry>({
      emitter: this.agent.tap,
      event: 'entry',
      match: pick,
      // Newest first: the awaited message is usually the last one in, and traces grow long in a run.
      check: () => this.agent.tap.all().findLast((e) => pick(e) !== undefined),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited,
      seen: () => this.describeTraffic(mark),
    })
  }

  /** The traffic since `mark` (what a wait saw), or the last few messages if there was none. */
  private describeTraffic(mark?: number): string {
    const tap = this.agent.tap
    const recent = mark === undefined ? tap.all().slice(-6) : tap.since(mark)
    const text = recent.map((e) => `${e.direction} ${e.type}${e.thid ? ` thid=${e.thid}` : ''}`).join(', ')
    return mark === undefined || text ? text : `no message since the wait began`
  }
}

function toInfo(c: ConnectionRecord): ConnectionInfo {
  return {
    id: c.id,
    state: c.state,
    ...(c.myDid ? { myDid: c.myDid } : {}),
    ...(c.theirDid ? { theirDid: c.theirDid } : {}),
    ...(c.theirLabel ? { theirLabel: c.theirLabel } : {}),
  }
}

import { EventEmitter } from 'node:events'
import { createRequire } from 'node:module'
import path from 'node:path'
import { CredoAgentProcess } from '../agents/credo/launcher.js'
import type { CredoConnection, CredoEvent } from '../agents/credo/protocol.js'
import { sameDid } from '../agents/reference/dids/compare.js'
import { waitForEvent } from '../common/waitFor.js'
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

/** Credo's DidExchangeState (`request-sent`, `response-received`, …) as the RFC 0023 state it is in. */
export function connectionStateOf(state: string): ConnectionState {
  if (state === 'completed' || state === 'abandoned') return state
  if (state.startsWith('request-')) return 'request'
  if (state.startsWith('response-')) return 'response'
  return 'invitation'
}

function credoVersion(): string {
  const require = createRequire(import.meta.url)
  return (require('@credo-ts/core/package.json') as { version: string }).version
}

/** Credo-ts driven in a child process of its own (agents/credo), observed through the events it forwards. */
export class CredoBackchannel implements Backchannel {
  readonly name = 'credo'
  private process?: CredoAgentProcess
  private readonly logFile: string

  constructor(
    readonly instance: string,
    private readonly runDir: string,
  ) {
    this.logFile = path.join(runDir, 'logs', `${instance}.log`)
  }

  /** The running child; tests use it to see or to end the process itself. */
  get agentProcess(): CredoAgentProcess {
    if (!this.process) throw new Error(`${this.instance} is not started`)
    return this.process
  }

  async start(): Promise<void> {
    this.process = await CredoAgentProcess.launch({
      label: this.instance,
      dataDir: path.join(this.runDir, 'agents', this.instance),
      logFile: this.logFile,
    })
  }

  async stop(): Promise<void> {
    await this.process?.stop()
    this.process = undefined
  }

  async describe(): Promise<AgentDescription> {
    return { name: this.name, version: credoVersion() }
  }

  /**
   * `peerDidNumalgo` is not passed on: Credo answers a request with a did:peer of the numalgo the
   * requester used, and offers no choice.
   */
  async createInvitation(options: CreateInvitationOptions = {}): Promise<InvitationResult> {
    return this.agentProcess.request('createInvitation', {
      ...(options.handshakeProtocols ? { handshakeProtocols: options.handshakeProtocols } : {}),
      ...(options.label ? { label: options.label } : {}),
    })
  }

  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: ReceiveInvitationOptions = {},
  ): Promise<string> {
    const { connectionId } = await this.agentProcess.request('receiveInvitation', {
      invitation,
      ...(options.peerDidNumalgo ? { peerDidNumalgo: options.peerDidNumalgo } : {}),
      ...(options.label ? { label: options.label } : {}),
    })
    return connectionId
  }

  async waitForConnectionFromInvitation(invitationId: string, options: WaitOptions = {}): Promise<string> {
    return this.waitForAgentEvent(
      (e) => (e.type === 'connection' && e.connection.invitationId === invitationId ? e.connection.id : undefined),
      `a connection for invitation ${invitationId} at ${this.instance}`,
      options,
    )
  }

  async waitForConnectionState(
    connectionId: string,
    state: ConnectionState,
    options: WaitOptions = {},
  ): Promise<ConnectionInfo> {
    const reached = (c: CredoConnection) =>
      c.id === connectionId &&
      hasReachedState(connectionStateOf(c.state), state, {
        connectionId,
        agent: this.instance,
        ...(c.errorMessage ? { problem: c.errorMessage } : {}),
      })
        ? c
        : undefined
    // The record is the truth; the events (kept since start) cover whatever changes after it was read.
    const current = await this.agentProcess.request('getConnection', { connectionId })
    const record =
      reached(current) ??
      (await this.waitForAgentEvent(
        (e) => (e.type === 'connection' ? reached(e.connection) : undefined),
        `connection ${connectionId} at ${this.instance} to reach state ${state}`,
        options,
      ))
    return toInfo(record)
  }

  async getConnection(connectionId: string): Promise<ConnectionInfo> {
    return toInfo(await this.agentProcess.request('getConnection', { connectionId }))
  }

  async sendTrustPing(connectionId: string): Promise<string> {
    const { pingId } = await this.agentProcess.request('sendTrustPing', { connectionId })
    return pingId
  }

  async waitForTrustPingResponse(connectionId: string, pingId: string, options: WaitOptions = {}): Promise<void> {
    await this.waitForAgentEvent(
      (e) => (e.type === 'trust-ping-response' && e.threadId === pingId ? true : undefined),
      `the trust ping response to ${pingId} at ${this.instance} (connection ${connectionId})`,
      options,
    )
  }

  async sendBasicMessage(connectionId: string, content: string): Promise<void> {
    await this.agentProcess.request('sendBasicMessage', { connectionId, content })
  }

  async waitForBasicMessage(
    connectionId: string,
    content: string,
    options: WaitOptions = {},
  ): Promise<ReceivedBasicMessage> {
    return this.waitForAgentEvent(
      (e) =>
        e.type === 'basic-message' && e.connectionId === connectionId && e.content === content
          ? { content, ...(e.sentTime ? { sentTime: e.sentTime } : {}) }
          : undefined,
      `basic message "${content}" on connection ${connectionId} at ${this.instance}`,
      options,
    )
  }

  /** Credo makes the new DID itself (a did:peer:4 on its endpoint) unless told which of its DIDs to use. */
  async rotate(connectionId: string, options: { toDid?: string } = {}): Promise<{ newDid: string }> {
    return this.agentProcess.request('rotate', { connectionId, ...(options.toDid ? { toDid: options.toDid } : {}) })
  }

  async hangup(connectionId: string): Promise<void> {
    await this.agentProcess.request('hangup', { connectionId })
  }

  async waitForMyDid(connectionId: string, did: string, options: WaitOptions = {}): Promise<ConnectionInfo> {
    const current = await this.getConnection(connectionId)
    if (sameDid(current.myDid, did)) return current
    await this.waitForAgentEvent(
      (e) =>
        e.type === 'did-rotated' && e.connectionId === connectionId && sameDid(e.ourDid?.to, did) ? true : undefined,
      `connection ${connectionId} at ${this.instance} to use ${did} as its own DID`,
      options,
    )
    return this.getConnection(connectionId)
  }

  /** Credo forgets the peer's DID when a hangup arrives and reports it as a rotation to no DID. */
  async waitForHangupProcessed(connectionId: string, options: WaitOptions = {}): Promise<void> {
    if (!(await this.getConnection(connectionId)).theirDid) return
    await this.waitForAgentEvent(
      (e) => (e.type === 'did-rotated' && e.connectionId === connectionId && !e.theirDid?.to ? true : undefined),
      `connection ${connectionId} at ${this.instance} to end with the hangup received`,
      options,
    )
  }

  async logTail(lines = 40): Promise<string> {
    return this.process ? this.process.logTail(lines) : `(${this.instance} is not running; log: ${this.logFile})`
  }

  /**
   * Resolves with the first event, already received or still to come, for which `match` gives a
   * value; fails at once, with the reason and the log tail, if the agent process goes away meanwhile.
   */
  private async waitForAgentEvent<T>(
    match: (e: CredoEvent) => T | undefined,
    awaited: string,
    options: WaitOptions,
  ): Promise<T> {
    const agent = this.agentProcess
    const gone = async () => agent.goneError(`waiting for ${awaited}`, await agent.logTail())
    if (!agent.alive) throw await gone()
    // The agent's events and its exit on one emitter, so the exit ends the wait (and its timer) at once.
    const updates = new EventEmitter()
    const onEvent = (e: CredoEvent) => updates.emit('update', e)
    const onExit = () => updates.emit('update', EXITED)
    agent.on('event', onEvent)
    agent.once('exit', onExit)
    const since = agent.events.length
    try {
      return await waitForEvent<CredoEvent | typeof EXITED, T>({
        emitter: updates,
        event: 'update',
        match: (e) => {
          if (e === EXITED) throw EXITED
          return match(e)
        },
        check: () => {
          for (let i = agent.events.length - 1; i >= 0; i--) {
            const value = match(agent.events[i] as CredoEvent)
            if (value !== undefined) return value
          }
          return undefined
        },
        timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
        awaited,
        seen: () => describeEvents(agent.events, since),
      })
    } catch (e) {
      throw e === EXITED ? await gone() : e
    } finally {
      agent.off('event', onEvent)
      agent.off('exit', onExit)
    }
  }
}

/** Stands for the agent's exit among its events while a wait runs. */
const EXITED = Symbol('exited')

/** The events since `since` (what a wait saw), or the last few if there were none. */
function describeEvents(events: CredoEvent[], since: number): string {
  const recent = events.length > since ? events.slice(since) : events.slice(-6)
  const text = recent.map(describeEvent).join(', ')
  return events.length > since ? text : `no event since the wait began (before: ${text || 'none'})`
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

function toInfo(c: CredoConnection): ConnectionInfo {
  return {
    id: c.id,
    state: connectionStateOf(c.state),
    ...(c.did ? { myDid: c.did } : {}),
    ...(c.theirDid ? { theirDid: c.theirDid } : {}),
    ...(c.theirLabel ? { theirLabel: c.theirLabel } : {}),
  }
}

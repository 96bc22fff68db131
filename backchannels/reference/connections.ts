import type { ReferenceAgent } from '../../agents/reference/agent.js'
import { createInvitation, receiveInvitation } from '../../agents/reference/protocols/outOfBand.js'
import {
  hasReachedState,
  type ConnectionInfo,
  type ConnectionState,
  type CreateInvitationOptions,
  type InvitationResult,
  type ReceiveInvitationOptions,
  type WaitOptions,
} from '../../contract/connections.js'
import type { Connections } from '../capabilities.js'
import { toInfo, waitForConnection } from './waits.js'

export class ReferenceConnections implements Connections {
  constructor(
    private readonly agent: ReferenceAgent,
    private readonly instance: string,
  ) {}

  createInvitation(options: CreateInvitationOptions = {}): Promise<InvitationResult> {
    return createInvitation(this.agent, options)
  }

  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: ReceiveInvitationOptions = {},
  ): Promise<string> {
    return (await receiveInvitation(this.agent, invitation, options)).id
  }

  async waitForConnectionFromInvitation(invitationId: string, options: WaitOptions = {}): Promise<string> {
    const record = await waitForConnection(
      this.agent,
      (c) => c.invitationId === invitationId && c.role === 'responder',
      `a DID Exchange request for invitation ${invitationId} at ${this.instance}`,
      options,
    )
    return record.id
  }

  async waitForConnectionState(
    connectionId: string,
    state: ConnectionState,
    options: WaitOptions = {},
  ): Promise<ConnectionInfo> {
    const reached = (c: { id: string; state: ConnectionState; problem?: string }) =>
      c.id === connectionId &&
      hasReachedState(c.state, state, {
        connectionId,
        agent: this.instance,
        ...(c.problem ? { problem: c.problem } : {}),
      })
    const record = await waitForConnection(
      this.agent,
      reached,
      `connection ${connectionId} at ${this.instance} to reach state ${state}`,
      options,
      connectionId,
    )
    return toInfo(record)
  }

  async getConnection(connectionId: string): Promise<ConnectionInfo> {
    return toInfo(this.agent.connections.require(connectionId))
  }
}

import type { ReferenceAgent } from '../../agents/reference/agent.js'
import { createInvitation, receiveInvitation } from '../../agents/reference/protocols/outOfBand.js'
// The connection vocabulary of the RFCs, as every adapter speaks it.
import * as rfc from '../../contract/connections.js'
import { DIDEXCHANGE_1_1 } from '../../didcomm/messageType.js'
import { NotOffered, type Connections } from '../capabilities.js'
import { toInfo, waitForConnection } from './waits.js'

export class ReferenceConnections implements Connections {
  constructor(
    private readonly agent: ReferenceAgent,
    private readonly instance: string,
  ) {}

  createInvitation(options: rfc.CreateInvitationOptions = {}): Promise<rfc.InvitationResult> {
    const handshakes = options.handshakeProtocols ?? [DIDEXCHANGE_1_1]
    // A DID Exchange 1.0 requester may use an unqualified DID known only from its attached document.
    if (!handshakes.includes(DIDEXCHANGE_1_1)) {
      throw new NotOffered(
        `the reference agent invites with DID Exchange 1.1 only: it resolves no unqualified DIDs (${handshakes.join(', ')} asked)`,
      )
    }
    const { publicDid, ...rest } = options
    if (!publicDid) return createInvitation(this.agent, rest)
    const identity = this.agent.transactions.identityOf(publicDid)
    if (!identity) throw new Error(`${this.instance} holds no ledger DID ${publicDid}`)
    return createInvitation(this.agent, { ...rest, publicDid: { nym: identity.did, verkey: identity.verkey } })
  }

  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: rfc.ReceiveInvitationOptions = {},
  ): Promise<string> {
    return (await receiveInvitation(this.agent, invitation, options)).id
  }

  async waitForConnectionFromInvitation(invitationId: string, options: rfc.WaitOptions = {}): Promise<string> {
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
    state: rfc.ConnectionState,
    options: rfc.WaitOptions = {},
  ): Promise<rfc.ConnectionInfo> {
    const reached = (c: { id: string; state: rfc.ConnectionState; problem?: string }) =>
      c.id === connectionId &&
      rfc.hasReachedState(c.state, state, {
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

  async getConnection(connectionId: string): Promise<rfc.ConnectionInfo> {
    return toInfo(this.agent.connections.require(connectionId))
  }
}

import type { CredoConnection } from '../../agents/credo/protocol.js'
// The connection vocabulary of the RFCs, as every adapter speaks it.
import * as rfc from '../../contract/connections.js'
import { NotOffered, type Connections } from '../capabilities.js'
import { connectionStateOf, toInfo, waitForCredoEvent, type CredoChannel } from './waits.js'

export class CredoConnections implements Connections {
  constructor(
    private readonly agent: CredoChannel,
    private readonly instance: string,
  ) {}

  /**
   * `peerDidNumalgo` is not passed on: Credo answers a request with a did:peer of the numalgo the
   * requester used, and offers no choice.
   */
  createInvitation(options: rfc.CreateInvitationOptions = {}): Promise<rfc.InvitationResult> {
    if (options.publicDid) {
      return Promise.reject(new NotOffered('Credo has no ledger DID of its own through the harness to invite with'))
    }
    return this.agent.request('createInvitation', {
      ...(options.handshakeProtocols ? { handshakeProtocols: options.handshakeProtocols } : {}),
      ...(options.label ? { label: options.label } : {}),
    })
  }

  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: rfc.ReceiveInvitationOptions = {},
  ): Promise<string> {
    const { connectionId } = await this.agent.request('receiveInvitation', {
      invitation,
      ...(options.peerDidNumalgo ? { peerDidNumalgo: options.peerDidNumalgo } : {}),
      ...(options.label ? { label: options.label } : {}),
    })
    return connectionId
  }

  waitForConnectionFromInvitation(invitationId: string, options: rfc.WaitOptions = {}): Promise<string> {
    return waitForCredoEvent(
      this.agent,
      (e) => (e.type === 'connection' && e.connection.invitationId === invitationId ? e.connection.id : undefined),
      `a connection for invitation ${invitationId} at ${this.instance}`,
      options,
    )
  }

  async waitForConnectionState(
    connectionId: string,
    state: rfc.ConnectionState,
    options: rfc.WaitOptions = {},
  ): Promise<rfc.ConnectionInfo> {
    const reached = (c: CredoConnection) =>
      c.id === connectionId &&
      rfc.hasReachedState(connectionStateOf(c.state), state, {
        connectionId,
        agent: this.instance,
        ...(c.errorMessage ? { problem: c.errorMessage } : {}),
      })
        ? c
        : undefined
    // The record is the truth; the events (kept since start) cover whatever changes after it was read.
    const current = await this.agent.request('getConnection', { connectionId })
    const record =
      reached(current) ??
      (await waitForCredoEvent(
        this.agent,
        (e) => (e.type === 'connection' ? reached(e.connection) : undefined),
        `connection ${connectionId} at ${this.instance} to reach state ${state}`,
        options,
      ))
    return toInfo(record)
  }

  async getConnection(connectionId: string): Promise<rfc.ConnectionInfo> {
    return toInfo(await this.agent.request('getConnection', { connectionId }))
  }
}

// The connection vocabulary of the RFCs, as every adapter speaks it.
import * as rfc from '../../contract/connections.js'
import { parseInvitation } from '../../didcomm/invitation.js'
import type { Connections } from '../capabilities.js'
import { connectionStateOf, type AdminApi } from './adminApi.js'

export class AcapyConnections implements Connections {
  constructor(private readonly api: AdminApi) {}

  async createInvitation(options: rfc.CreateInvitationOptions = {}): Promise<rfc.InvitationResult> {
    const body = {
      handshake_protocols: options.handshakeProtocols ?? ['https://didcomm.org/didexchange/1.1'],
      ...(options.label ? { my_label: options.label } : {}),
      // ACA-Py invites under its public DID only: the one `publicDid` must name.
      ...(options.publicDid ? { use_public_did: true } : {}),
    }
    const data = await this.api.post('create an invitation', '/out-of-band/create-invitation', body, {
      params: { auto_accept: true },
    })
    const invitation = data.invitation as Record<string, unknown>
    return { invitation, url: String(data.invitation_url), invitationId: String(invitation['@id']) }
  }

  /**
   * ACA-Py requests with did:peer:4 whenever it auto-accepts; did:peer:2 is only chosen on the manual
   * path (`accept-invitation` with `use_did_method`), so that is the path taken for it.
   */
  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: rfc.ReceiveInvitationOptions = {},
  ): Promise<string> {
    const manual = options.peerDidNumalgo === 2
    const data = await this.api.post(
      'receive the invitation',
      '/out-of-band/receive-invitation',
      parseInvitation(invitation),
      {
        params: {
          auto_accept: !manual,
          use_existing_connection: false,
          ...(options.alias ? { alias: options.alias } : {}),
        },
      },
    )
    const connectionId = data.connection_id as string | undefined
    if (!connectionId) throw new Error(`ACA-Py made no connection from the invitation (state ${String(data.state)})`)
    if (manual) {
      await this.api.post('accept the invitation', `/didexchange/${connectionId}/accept-invitation`, undefined, {
        params: { use_did_method: 'did:peer:2', ...(options.label ? { my_label: options.label } : {}) },
      })
    }
    return connectionId
  }

  async waitForConnectionFromInvitation(invitationId: string, options: rfc.WaitOptions = {}): Promise<string> {
    const payload = await this.api.waitForWebhook(
      'connections',
      (p) => p.invitation_msg_id === invitationId && typeof p.connection_id === 'string',
      `a connection for invitation ${invitationId} at ${this.api.instance}`,
      options,
    )
    return String(payload.connection_id)
  }

  async waitForConnectionState(
    connectionId: string,
    state: rfc.ConnectionState,
    options: rfc.WaitOptions = {},
  ): Promise<rfc.ConnectionInfo> {
    const agent = this.api.instance
    const reached = (record: Record<string, unknown>) => {
      const current = connectionStateOf(record)
      const problem = typeof record.error_msg === 'string' ? record.error_msg : undefined
      return current !== undefined && rfc.hasReachedState(current, state, { connectionId, agent, problem })
    }
    // A webhook may have arrived before this wait began; the record itself is the truth either way.
    if (!reached(await this.api.connectionRecord(connectionId))) {
      await this.api.waitForWebhook(
        'connections',
        (p) => p.connection_id === connectionId && reached(p),
        `connection ${connectionId} at ${agent} to reach state ${state}`,
        options,
      )
    }
    return this.getConnection(connectionId)
  }

  async getConnection(connectionId: string): Promise<rfc.ConnectionInfo> {
    return connectionInfo(connectionId, await this.api.connectionRecord(connectionId))
  }
}

export function connectionInfo(connectionId: string, record: Record<string, unknown>): rfc.ConnectionInfo {
  return {
    id: connectionId,
    state: connectionStateOf(record) ?? 'invitation',
    ...(typeof record.my_did === 'string' ? { myDid: record.my_did } : {}),
    ...(typeof record.their_did === 'string' ? { theirDid: record.their_did } : {}),
    ...(typeof record.their_label === 'string' ? { theirLabel: record.their_label } : {}),
  }
}

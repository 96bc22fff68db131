import { pollUntil } from '../../common/waitFor.js'
// The connection vocabulary of the RFCs, as every adapter speaks it.
import * as rfc from '../../contract/connections.js'
import { invitationToUrl, parseInvitation } from '../../didcomm/invitation.js'
import { DIDEXCHANGE_1_1 } from '../../didcomm/messageType.js'
import type { Connections } from '../capabilities.js'
import { BackchannelNoAnswer, type BackchannelClient } from './client.js'

/**
 * The RFC 0023 state a backchannel reports on topic `did-exchange` (`invitation-sent`, `request-sent`,
 * `response-received`, `completed`, `abandoned`, …), or undefined for `"N/A"` (the backchannel cannot
 * tell) and anything else.
 */
export function connectionStateOf(state: unknown): rfc.ConnectionState | undefined {
  const s = typeof state === 'string' ? state : ''
  if (s === 'completed' || s === 'abandoned') return s
  if (s === 'start' || s.startsWith('invitation-')) return 'invitation'
  if (s.startsWith('request-')) return 'request'
  if (s.startsWith('response-')) return 'response'
  return undefined
}

/** A DID Exchange connection as a backchannel's record describes it (ACA-Py nests some fields under `connection`). */
export function connectionInfo(connectionId: string, record: Record<string, unknown>): rfc.ConnectionInfo {
  const nested = isObject(record.connection) ? record.connection : {}
  const field = (name: string) => {
    const value = record[name] ?? nested[name]
    return typeof value === 'string' && value ? value : undefined
  }
  const myDid = field('my_did')
  const theirDid = field('their_did')
  const theirLabel = field('their_label')
  return {
    id: connectionId,
    state: connectionStateOf(record.state) ?? 'invitation',
    ...(myDid ? { myDid } : {}),
    ...(theirDid ? { theirDid } : {}),
    ...(theirLabel ? { theirLabel } : {}),
  }
}

/**
 * RFC 0434 and RFC 0023 through the AATH topics `out-of-band` and `did-exchange`: the inviter sends
 * an invitation message, the invitee receives it and sends the request, the inviter learns its
 * connection from `/agent/response/did-exchange/{invitation @id}` and sends the response. Each wait
 * polls the backchannel's records, bounded by the step's bound under the host's ceiling.
 */
export class AathConnections implements Connections {
  /** Invitation `@id` → the inviter's connection: `/agent/response` reads are destructive, so each is read once. */
  private readonly fromInvitation = new Map<string, string>()

  constructor(
    private readonly client: BackchannelClient,
    /** The host's bound (`--timeout`): no wait here takes longer. */
    private readonly ceilingMs: number,
  ) {}

  private get instance(): string {
    return this.client.instance
  }

  /**
   * `use_did_method` asks for the numalgo of the DID the inviter answers with; AATH has no field for
   * the invitation's label, so `label` is not passed on.
   */
  async createInvitation(options: rfc.CreateInvitationOptions = {}): Promise<rfc.InvitationResult> {
    const data = {
      use_public_did: false,
      handshake_protocols: options.handshakeProtocols ?? [DIDEXCHANGE_1_1],
      ...(options.peerDidNumalgo ? { use_did_method: `did:peer:${options.peerDidNumalgo}` } : {}),
    }
    const answer = await this.client.command(
      'create an out-of-band invitation',
      'out-of-band',
      'send-invitation-message',
      { data },
    )
    const invitation = answer.invitation
    if (!isObject(invitation) || typeof invitation['@id'] !== 'string') {
      throw new Error(
        `${this.instance}: out-of-band/send-invitation-message answered no invitation with an @id (state ${String(answer.state)})`,
      )
    }
    const url =
      typeof answer.invitation_url === 'string' && answer.invitation_url
        ? answer.invitation_url
        : invitationToUrl(invitation, inlineEndpoint(invitation) ?? this.client.baseUrl)
    return { invitation, url, invitationId: invitation['@id'] }
  }

  /**
   * AATH's receive-invitation takes the invitation as an object, so the URL form is decoded here (as
   * an agent decodes a scanned URL before accepting it); the request is sent with `send-request`,
   * asking for a did:peer of the numalgo wanted (`use_did_method`).
   */
  async receiveInvitation(
    invitation: Record<string, unknown> | string,
    options: rfc.ReceiveInvitationOptions = {},
  ): Promise<string> {
    const received = await this.client.command('receive the invitation', 'out-of-band', 'receive-invitation', {
      data: { ...parseInvitation(invitation), use_existing_connection: false },
    })
    const connectionId = received.connection_id
    if (typeof connectionId !== 'string' || !connectionId) {
      throw new Error(
        `${this.instance}: out-of-band/receive-invitation answered no connection_id (state ${String(received.state)})`,
      )
    }
    await this.client.command('send the DID Exchange request', 'did-exchange', 'send-request', {
      id: connectionId,
      data: options.peerDidNumalgo ? { use_did_method: `did:peer:${options.peerDidNumalgo}` } : {},
    })
    return connectionId
  }

  /**
   * The inviter's connection, read from `/agent/response/did-exchange/{invitation @id}` once the
   * request has arrived; the response is then sent with `send-response`, as an agent that accepts
   * requests itself would have done. An agent that already did is not asked again.
   */
  async waitForConnectionFromInvitation(invitationId: string, options: rfc.WaitOptions = {}): Promise<string> {
    const known = this.fromInvitation.get(invitationId)
    if (known) return known
    const bound = this.bound(options)
    const deadline = Date.now() + bound
    const path = `/agent/response/did-exchange/${invitationId}`
    let last = 'nothing yet'
    const connectionId = await pollUntil({
      probe: async () => {
        let record: Record<string, unknown>
        try {
          // The backchannel holds this read until a record comes (ACA-Py's does for 5 s): bounded by what is left.
          const left = Math.max(deadline - Date.now(), 1)
          const what = `read the connection of invitation ${invitationId}`
          record = await this.client.response(what, 'did-exchange', invitationId, left)
        } catch (e) {
          if (!(e instanceof BackchannelNoAnswer)) throw e
          last = e.message
          return undefined
        }
        last = `GET ${path} → ${JSON.stringify(record)}`
        const id = record.connection_id ?? (isObject(record.connection) ? record.connection.connection_id : undefined)
        return typeof id === 'string' && id ? id : undefined
      },
      timeoutMs: bound,
      awaited: `a DID Exchange request for invitation ${invitationId} at ${this.instance}`,
      seen: () => last,
    })
    this.fromInvitation.set(invitationId, connectionId)
    const record = await this.pollRecord(
      connectionId,
      (r) => {
        // "N/A": the backchannel cannot tell; the response is asked for, and is a no-op if already sent.
        if (r.state === 'N/A') return true
        const state = connectionStateOf(r.state)
        const describe = { connectionId, agent: this.instance, ...problemOf(r) }
        return state !== undefined && rfc.hasReachedState(state, 'request', describe)
      },
      `connection ${connectionId} at ${this.instance} to hold the DID Exchange request`,
      Math.max(deadline - Date.now(), 0),
    )
    if (record.state === 'N/A' || connectionStateOf(record.state) === 'request') {
      await this.client.command('send the DID Exchange response', 'did-exchange', 'send-response', {
        id: connectionId,
        data: {},
      })
    }
    return connectionId
  }

  async waitForConnectionState(
    connectionId: string,
    state: rfc.ConnectionState,
    options: rfc.WaitOptions = {},
  ): Promise<rfc.ConnectionInfo> {
    const record = await this.pollRecord(
      connectionId,
      (r) => {
        const current = connectionStateOf(r.state)
        const describe = { connectionId, agent: this.instance, ...problemOf(r) }
        return current !== undefined && rfc.hasReachedState(current, state, describe)
      },
      `connection ${connectionId} at ${this.instance} to reach state ${state}`,
      this.bound(options),
    )
    return connectionInfo(connectionId, record)
  }

  async getConnection(connectionId: string): Promise<rfc.ConnectionInfo> {
    return connectionInfo(connectionId, await this.readRecord(connectionId))
  }

  private readRecord(connectionId: string): Promise<Record<string, unknown>> {
    return this.client.record(`read connection ${connectionId}`, 'did-exchange', connectionId)
  }

  /** Polls `GET /agent/command/did-exchange/{id}` until `done`; on timeout says what state it last had. */
  private pollRecord(
    connectionId: string,
    done: (record: Record<string, unknown>) => boolean,
    awaited: string,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    let last: Record<string, unknown> | undefined
    return pollUntil({
      probe: async () => {
        last = await this.readRecord(connectionId)
        return done(last) ? last : undefined
      },
      timeoutMs,
      awaited,
      seen: () =>
        last ? `state ${JSON.stringify(last.state)} (GET /agent/command/did-exchange/${connectionId})` : 'no record',
    })
  }

  private bound(options: rfc.WaitOptions): number {
    return Math.min(options.timeoutMs ?? this.ceilingMs, this.ceilingMs)
  }
}

function problemOf(record: Record<string, unknown>): { problem?: string } {
  const problem = record.error_msg ?? record.problem
  return typeof problem === 'string' && problem ? { problem } : {}
}

function inlineEndpoint(invitation: Record<string, unknown>): string | undefined {
  const services = Array.isArray(invitation.services) ? (invitation.services as unknown[]) : []
  const inline = services.find(isObject)
  return typeof inline?.serviceEndpoint === 'string' ? inline.serviceEndpoint : undefined
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

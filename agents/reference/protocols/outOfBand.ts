import type { ReferenceAgent, PeerDidNumalgo, Route } from '../agent.js'
import { invitationToUrl, InvitationRefused, parseInvitation } from '../../../didcomm/invitation.js'
import { newMessage, type DidCommMessage } from '../../../didcomm/message.js'
import { DIDEXCHANGE_1_1, MessageTypes, parseMessageType } from '../../../didcomm/messageType.js'
import { didKeyToVerkey, verkeyToDidKey } from '../../../didcomm/multikey.js'
import { applyFieldFaults } from '../faults/faults.js'
import { sendDidExchangeRequest } from './didExchange.js'
import type { ConnectionRecord } from '../connections.js'

/** RFC 0434 out-of-band 1.1: creating, encoding and accepting invitations. */

export interface InvitationRecord {
  id: string
  invitation: DidCommMessage
  invitationKey: string
  /** The numalgo to answer a request with; absent = mirror the requester's. */
  peerDidNumalgo?: PeerDidNumalgo
}

const invitations = new WeakMap<ReferenceAgent, Map<string, InvitationRecord>>()

export function invitationsOf(agent: ReferenceAgent): Map<string, InvitationRecord> {
  let map = invitations.get(agent)
  if (!map) invitations.set(agent, (map = new Map()))
  return map
}

export async function createInvitation(
  agent: ReferenceAgent,
  opts: {
    handshakeProtocols?: string[]
    peerDidNumalgo?: PeerDidNumalgo
    label?: string
    /** A posted nym of the agent's, its key in the store: the invitation names it instead of an inline service. */
    publicDid?: { nym: string; verkey: string }
  } = {},
): Promise<{ invitation: DidCommMessage; url: string; invitationId: string }> {
  const verkey = opts.publicDid?.verkey ?? (await agent.wallet.createKey()).verkey
  if (!opts.publicDid) await agent.wallet.storeDidCommKey(verkey, verkeyToDidKey(verkey))
  const inline = {
    id: '#inline',
    type: 'did-communication',
    recipientKeys: [verkeyToDidKey(verkey)],
    routingKeys: [],
    serviceEndpoint: agent.endpoint,
  }
  const built = newMessage(MessageTypes.oobInvitation, {
    label: opts.label ?? agent.label,
    accept: ['didcomm/aip2;env=rfc19'],
    handshake_protocols: opts.handshakeProtocols ?? [DIDEXCHANGE_1_1],
    services: [opts.publicDid ? `did:sov:${opts.publicDid.nym}` : inline],
  })
  // An invitation is never sent through the agent's outbound path, so its faults apply here.
  const faults = agent.faults.take('out-of-band/invitation')
  const invitation = (faults.length ? applyFieldFaults(built, faults) : built) as DidCommMessage
  const invitationId = invitation['@id']
  agent.claimKey(verkey, { kind: 'invitation', invitationId })
  invitationsOf(agent).set(invitationId, {
    id: invitationId,
    invitation,
    invitationKey: verkey,
    ...(opts.peerDidNumalgo ? { peerDidNumalgo: opts.peerDidNumalgo } : {}),
  })
  agent.logger.info({ invitationId }, 'invitation created')
  return { invitation, url: invitationToUrl(invitation, agent.endpoint), invitationId }
}

/**
 * Accepts an invitation and sends the DID Exchange request. Refuses (throws InvitationRefused)
 * what RFC 0434 forbids, before anything is sent.
 */
export async function receiveInvitation(
  agent: ReferenceAgent,
  input: Record<string, unknown> | string,
  opts: { peerDidNumalgo?: PeerDidNumalgo; label?: string; alias?: string } = {},
): Promise<ConnectionRecord> {
  const invitation = parseInvitation(input)
  const type = typeof invitation['@type'] === 'string' ? parseMessageType(invitation['@type']) : undefined
  if (!type || type.protocol !== 'out-of-band' || type.major !== 1 || type.name !== 'invitation') {
    throw new InvitationRefused(`not an out-of-band 1.x invitation: @type ${String(invitation['@type'])}`)
  }
  const invitationId = invitation['@id']
  if (typeof invitationId !== 'string' || !invitationId) throw new InvitationRefused('invitation has no @id')
  const handshakes = Array.isArray(invitation.handshake_protocols) ? invitation.handshake_protocols : []
  const requests = Array.isArray(invitation['requests~attach']) ? invitation['requests~attach'] : []
  if (handshakes.length === 0 && requests.length === 0) {
    throw new InvitationRefused('invitation has neither handshake_protocols nor requests~attach (RFC 0434 MUST)')
  }
  const handshake = handshakes.find(
    (h) => typeof h === 'string' && /^https:\/\/didcomm\.org\/didexchange\/1\.\d+$/.test(h),
  )
  if (!handshake) {
    throw new InvitationRefused(`no supported handshake protocol in ${JSON.stringify(handshakes)} (DID Exchange 1.x)`)
  }
  const { route, invitationKey } = await invitationRoute(agent, invitation.services)
  agent.logger.info({ invitationId }, 'invitation accepted')
  return sendDidExchangeRequest(agent, {
    invitationId,
    invitationKey,
    route,
    theirLabel: typeof invitation.label === 'string' ? invitation.label : undefined,
    ...(opts.alias ? { alias: opts.alias } : {}),
    label: opts.label ?? agent.label,
    numalgo: opts.peerDidNumalgo,
  })
}

/** The first usable service: an inline did-communication service, or a DID to resolve. */
async function invitationRoute(
  agent: ReferenceAgent,
  services: unknown,
): Promise<{ route: Route; invitationKey: string }> {
  if (!Array.isArray(services) || services.length === 0) throw new InvitationRefused('invitation has no services')
  const problems: string[] = []
  for (const service of services) {
    try {
      if (typeof service === 'string') {
        const target = await agent.dids.resolveDidCommTarget(service)
        return { route: target, invitationKey: firstOf(target.recipientKeys) }
      }
      const s = service as Record<string, unknown>
      if (s.type !== undefined && s.type !== 'did-communication') throw new Error(`service type ${String(s.type)}`)
      if (typeof s.serviceEndpoint !== 'string') throw new Error('service has no string serviceEndpoint')
      const recipientKeys = toVerkeys(s.recipientKeys, 'recipientKeys')
      const routingKeys = s.routingKeys === undefined ? [] : toVerkeys(s.routingKeys, 'routingKeys')
      return {
        route: { recipientKeys, routingKeys, serviceEndpoint: s.serviceEndpoint },
        invitationKey: firstOf(recipientKeys),
      }
    } catch (e) {
      problems.push((e as Error).message)
    }
  }
  throw new InvitationRefused(`no usable service in the invitation: ${problems.join('; ')}`)
}

/** RFC 0434: keys in an inline service MUST be did:key references. */
function toVerkeys(keys: unknown, field: string): string[] {
  if (!Array.isArray(keys)) throw new Error(`${field} is not a list`)
  return keys.map((k) => {
    if (typeof k !== 'string' || !k.startsWith('did:key:'))
      throw new Error(`${field} entry ${String(k)} is not a did:key`)
    return didKeyToVerkey(k)
  })
}

function firstOf(keys: string[]): string {
  const key = keys[0]
  if (!key) throw new Error('service has no recipient key')
  return key
}

import type { Connections, Messaging } from '../../backchannels/capabilities.js'
import type { PeerDidNumalgo, WaitOptions } from '../../contract/connections.js'
import { DIDEXCHANGE_1_1 } from '../../didcomm/messageType.js'
import type { ConformanceWorld } from './world.js'

/** The first role invites with out-of-band 1.1 and DID Exchange 1.1 (or `handshake`); the invitation is kept on the world. */
export async function invite(world: ConformanceWorld, inviterRole: string, handshake = DIDEXCHANGE_1_1): Promise<void> {
  world.invitation = await world.the(inviterRole, 'connections').createInvitation({ handshakeProtocols: [handshake] })
}

export async function accept(
  world: ConformanceWorld,
  inviteeRole: string,
  invitation: Record<string, unknown> | string,
  numalgo?: PeerDidNumalgo,
  alias?: string,
): Promise<void> {
  world.connections[inviteeRole] = await world
    .the(inviteeRole, 'connections')
    .receiveInvitation(invitation, { ...(numalgo ? { peerDidNumalgo: numalgo } : {}), ...(alias ? { alias } : {}) })
}

/** Waits until both sides report the connection completed; records the inviter's connection id. */
export async function bothCompleted(world: ConformanceWorld, inviterRole: string, inviteeRole: string): Promise<void> {
  const invitationId = world.invitation?.invitationId as string
  const inviter = world.the(inviterRole, 'connections')
  world.connections[inviterRole] = await inviter.waitForConnectionFromInvitation(invitationId, world.wait)
  await world
    .the(inviteeRole, 'connections')
    .waitForConnectionState(world.connection(inviteeRole), 'completed', world.wait)
  await inviter.waitForConnectionState(world.connection(inviterRole), 'completed', world.wait)
}

export async function connect(
  world: ConformanceWorld,
  inviterRole: string,
  inviteeRole: string,
  numalgo?: PeerDidNumalgo,
  /** The invitee's name for the connection. */
  alias?: string,
): Promise<void> {
  await invite(world, inviterRole)
  await accept(world, inviteeRole, world.invitation?.invitation as Record<string, unknown>, numalgo, alias)
  await bothCompleted(world, inviterRole, inviteeRole)
}

/** Connects two agents' drivers directly (tenants of one agency, or a tenant and the peer); returns both connection ids. */
export async function connectPair(
  inviter: Connections,
  invitee: Connections,
  wait: WaitOptions,
): Promise<{ inviter: string; invitee: string }> {
  const invitation = await inviter.createInvitation({ handshakeProtocols: [DIDEXCHANGE_1_1] })
  const inviteeId = await invitee.receiveInvitation(invitation.invitation)
  const inviterId = await inviter.waitForConnectionFromInvitation(invitation.invitationId, wait)
  await invitee.waitForConnectionState(inviteeId, 'completed', wait)
  await inviter.waitForConnectionState(inviterId, 'completed', wait)
  return { inviter: inviterId, invitee: inviteeId }
}

/** A trust ping each way on a connection, each answered. */
export async function exchangePings(
  a: { messaging: Messaging; connection: string },
  b: { messaging: Messaging; connection: string },
  wait: WaitOptions,
): Promise<void> {
  for (const from of [a, b]) {
    const pingId = await from.messaging.sendTrustPing(from.connection)
    await from.messaging.waitForTrustPingResponse(from.connection, pingId, wait)
  }
}

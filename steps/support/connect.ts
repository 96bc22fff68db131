import type { PeerDidNumalgo } from '../../contract/connections.js'
import { DIDEXCHANGE_1_1 } from '../../didcomm/messageType.js'
import type { ConformanceWorld } from './world.js'

/** The first role invites with out-of-band 1.1 and DID Exchange 1.1; the invitation is kept on the world. */
export async function invite(world: ConformanceWorld, inviterRole: string): Promise<void> {
  world.invitation = await world
    .the(inviterRole, 'connections')
    .createInvitation({ handshakeProtocols: [DIDEXCHANGE_1_1] })
}

export async function accept(
  world: ConformanceWorld,
  inviteeRole: string,
  invitation: Record<string, unknown> | string,
  numalgo?: PeerDidNumalgo,
): Promise<void> {
  world.connections[inviteeRole] = await world
    .the(inviteeRole, 'connections')
    .receiveInvitation(invitation, numalgo ? { peerDidNumalgo: numalgo } : {})
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
): Promise<void> {
  await invite(world, inviterRole)
  await accept(world, inviteeRole, world.invitation?.invitation as Record<string, unknown>, numalgo)
  await bothCompleted(world, inviterRole, inviteeRole)
}

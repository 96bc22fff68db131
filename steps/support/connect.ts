import type { PeerDidNumalgo } from '../../backchannels/backchannel.js'
import type { ConformanceWorld } from './world.js'

const DIDEXCHANGE_1_1 = 'https://didcomm.org/didexchange/1.1'

/** The first role invites with out-of-band 1.1 and DID Exchange 1.1; the invitation is kept on the world. */
export async function invite(world: ConformanceWorld, inviterRole: string): Promise<void> {
  world.invitation = await world.agent(inviterRole).createInvitation({ handshakeProtocols: [DIDEXCHANGE_1_1] })
}

export async function accept(
  world: ConformanceWorld,
  inviteeRole: string,
  invitation: Record<string, unknown> | string,
  numalgo?: PeerDidNumalgo,
): Promise<void> {
  world.connections[inviteeRole] = await world
    .agent(inviteeRole)
    .receiveInvitation(invitation, numalgo ? { peerDidNumalgo: numalgo } : {})
}

/** Waits until both sides report the connection completed; records the inviter's connection id. */
export async function bothCompleted(world: ConformanceWorld, inviterRole: string, inviteeRole: string): Promise<void> {
  const opts = { timeoutMs: world.timeoutMs }
  const invitationId = world.invitation?.invitationId as string
  world.connections[inviterRole] = await world.agent(inviterRole).waitForConnectionFromInvitation(invitationId, opts)
  await world.agent(inviteeRole).waitForConnectionState(world.connection(inviteeRole), 'completed', opts)
  await world.agent(inviterRole).waitForConnectionState(world.connection(inviterRole), 'completed', opts)
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

import type { InboundContext, PeerDidNumalgo, ReferenceAgent } from '../agent.js'
import { newMessage, threadOf } from '../../../didcomm/message.js'
import { MessageTypes } from '../../../didcomm/messageType.js'
import { DidResolutionError } from '../dids/resolver.js'

/**
 * RFC 0794 DID Rotate 1.0 in both roles. The rotating party keeps receiving on its old and new DID
 * until the ack arrives; the observing party acks to the prior DID and only then moves on to the new
 * one. A rotate or hangup that is not authcrypted by the peer reaches the handlers without a
 * connection and is discarded, as the RFC requires.
 */

export function registerDidRotate(agent: ReferenceAgent): void {
  agent.register('did-rotate', 1, 'rotate', (ctx) => onRotate(agent, ctx))
  agent.register('did-rotate', 1, 'ack', (ctx) => onAck(agent, ctx))
  agent.register('did-rotate', 1, 'problem-report', (ctx) => onProblemReport(agent, ctx))
  agent.register('did-rotate', 1, 'hangup', (ctx) => onHangup(agent, ctx))
}

/**
 * Rotating party: announces a new DID. Without `toDid` the agent makes a fresh did:peer (by default
 * on an endpoint of its own, so keys and endpoint both change); with `toDid` it announces exactly
 * that string, which is how scenarios send DIDs an observer must refuse.
 */
export async function rotate(
  agent: ReferenceAgent,
  connectionId: string,
  opts: { toDid?: string; numalgo?: PeerDidNumalgo; newEndpoint?: boolean } = {},
): Promise<{ newDid: string; threadId: string }> {
  const connection = agent.connections.require(connectionId)
  if (connection.pendingRotation) throw new Error(`connection ${connectionId} already has a rotation pending`)
  let newDid = opts.toDid
  if (newDid === undefined) {
    const endpoint = opts.newEndpoint === false ? agent.endpoint : await agent.addEndpoint()
    newDid = (await agent.createMyDid(opts.numalgo ?? 4, endpoint)).did
  }
  const message = newMessage(MessageTypes.rotate, { to_did: newDid })
  const threadId = message['@id']
  const pending = await agent.connections.update(connectionId, { pendingRotation: { did: newDid, threadId } })
  await agent.sendOnConnection(pending, message)
  return { newDid, threadId }
}

export async function hangup(agent: ReferenceAgent, connectionId: string): Promise<string> {
  const connection = agent.connections.require(connectionId)
  const message = newMessage(MessageTypes.hangup)
  await agent.sendOnConnection(connection, message)
  await agent.connections.update(connectionId, { hungUp: 'sent' })
  return message['@id']
}

async function onRotate(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const connection = ctx.connection
  if (!connection) {
    agent.logger.warn({ id: ctx.message['@id'] }, 'rotate not authcrypted by a connected peer: discarded')
    return
  }
  const toDid = ctx.message.to_did
  const refuse = async (code: string, explanation: string) => {
    // The RFC's example threads the report with pthid = the rotate's @id.
    const report = newMessage(
      MessageTypes.rotateProblemReport,
      { description: { en: explanation, code }, problem_items: [{ did: String(toDid) }] },
      { pthid: ctx.message['@id'] },
    )
    await agent.sendOnConnection(connection, report)
  }
  const [refusal] = agent.faults.take('did-rotate/rotate', 'behaviour')
  if (refusal?.name === 'refuse-rotate') return refuse(refusal.code, 'refused on purpose (named fault)')
  try {
    if (typeof toDid !== 'string') throw new DidResolutionError('e.did.unresolvable', 'to_did is not a string')
    if (toDid.startsWith('did:peer:4') && toDid.includes(':', 'did:peer:4'.length)) agent.dids.rememberLongForm(toDid)
    await agent.dids.resolveDidCommTarget(toDid)
  } catch (e) {
    if (!(e instanceof DidResolutionError)) throw e
    return refuse(e.code, e.message)
  }
  // RFC 0794: the ack "is still sent to the prior DID"; following messages go to the new one. The
  // record changes first, so nothing sent after the ack can still go to the prior DID.
  const prior = connection.theirDid
  const rotated = await agent.connections.update(connection.id, {
    theirDid: toDid,
    previousTheirDids: [...connection.previousTheirDids, ...(prior ? [prior] : [])],
  })
  const ack = newMessage(MessageTypes.rotateAck, { status: 'OK' }, { thid: ctx.message['@id'] })
  await agent.sendOnConnection(rotated, ack, prior)
}

async function onAck(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const connection = ctx.connection
  const pending = connection?.pendingRotation
  if (!connection || !pending || threadOf(ctx.message).thid !== pending.threadId) {
    agent.logger.warn({ id: ctx.message['@id'] }, 'did-rotate ack for no pending rotation: ignored')
    return
  }
  await agent.connections.update(connection.id, {
    myDid: pending.did,
    previousMyDids: [...connection.previousMyDids, ...(connection.myDid ? [connection.myDid] : [])],
    pendingRotation: undefined,
  })
}

async function onProblemReport(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const connection = ctx.connection
  const pending = connection?.pendingRotation
  const { thid, pthid } = threadOf(ctx.message)
  if (!connection || !pending || (thid !== pending.threadId && pthid !== pending.threadId)) return
  // RFC 0794: the rotating party "must not complete the rotation".
  const code = (ctx.message.description as { code?: unknown } | undefined)?.code
  agent.logger.info({ code }, 'rotation refused by the observing party')
  await agent.connections.update(connection.id, { pendingRotation: undefined })
}

async function onHangup(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  if (!ctx.connection) return
  // "There is no response message": the relationship simply ends here.
  await agent.connections.update(ctx.connection.id, { hungUp: 'received' })
}

import type { InboundContext, PeerDidNumalgo, ReferenceAgent, Route } from '../agent.js'
import type { ConnectionRecord } from '../connections.js'
import { newMessage, threadOf } from '../../../didcomm/message.js'
import { MessageTypes } from '../../../didcomm/messageType.js'
import { invitationsOf } from './outOfBand.js'
import { AttachmentSignatureError, signAttachment, verifyAttachment } from './signedAttachment.js'

/** RFC 0023 DID Exchange 1.1 in both roles, with did:peer:2 or did:peer:4 DIDs. */

export function numalgoOf(did: string): PeerDidNumalgo | undefined {
  if (did.startsWith('did:peer:2')) return 2
  if (did.startsWith('did:peer:4')) return 4
  return undefined
}

export async function sendDidExchangeRequest(
  agent: ReferenceAgent,
  params: {
    invitationId: string
    invitationKey: string
    route: Route
    theirLabel: string | undefined
    label: string
    numalgo: PeerDidNumalgo | undefined
    alias?: string
  },
): Promise<ConnectionRecord> {
  const { did, verkey } = await agent.createMyDid(params.numalgo)
  const request = newMessage(MessageTypes.didexchangeRequest, { label: params.label, did })
  request['~thread'] = { thid: request['@id'], pthid: params.invitationId }
  const connection = await agent.connections.create({
    role: 'requester',
    state: 'request',
    invitationId: params.invitationId,
    threadId: request['@id'],
    invitationKey: params.invitationKey,
    myDid: did,
    ...(params.theirLabel ? { theirLabel: params.theirLabel } : {}),
    ...(params.alias ? { alias: params.alias } : {}),
  })
  await agent.send(request, params.route, { senderVerkey: verkey, connectionId: connection.id })
  return connection
}

export function registerDidExchange(agent: ReferenceAgent): void {
  agent.register('didexchange', 1, 'request', (ctx) => onRequest(agent, ctx))
  agent.register('didexchange', 1, 'response', (ctx) => onResponse(agent, ctx))
  agent.register('didexchange', 1, 'complete', (ctx) => onComplete(agent, ctx))
  agent.register('didexchange', 1, 'problem_report', (ctx) => onProblemReport(agent, ctx))
}

async function onRequest(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const invitation = ctx.invitationId ? invitationsOf(agent).get(ctx.invitationId) : undefined
  if (!invitation) {
    agent.logger.warn({ id: ctx.message['@id'] }, 'DID Exchange request not sent to an invitation key: dropped')
    return
  }
  const { thid, pthid } = threadOf(ctx.message)
  const theirDid = ctx.message.did
  if (typeof theirDid !== 'string') {
    agent.logger.warn({ id: ctx.message['@id'] }, 'DID Exchange request without did: cannot answer')
    return
  }
  if (typeof ctx.message.did === 'string' && numalgoOf(theirDid) === 4) agent.dids.rememberLongForm(theirDid)
  const route = await agent.dids.resolveDidCommTarget(theirDid)
  const threadId = thid ?? ctx.message['@id']
  const connection = await agent.connections.create({
    role: 'responder',
    state: 'request',
    invitationId: invitation.id,
    threadId,
    theirDid,
    ...(typeof ctx.message.label === 'string' ? { theirLabel: ctx.message.label } : {}),
  })
  agent.tap.assignConnection(ctx.entry, connection.id)
  const refuse = async (reason: string) => {
    await agent.connections.update(connection.id, { state: 'abandoned', problem: reason })
    const report = newMessage(
      MessageTypes.didexchangeProblemReport,
      { description: { en: reason, code: 'request_not_accepted' } },
      { thid: threadId, pthid: invitation.id },
    )
    await agent.send(report, route, { connectionId: connection.id })
  }
  // RFC 0023: the request's ~thread MUST carry the invitation's @id as pthid.
  if (pthid !== invitation.id)
    return refuse(`~thread.pthid ${String(pthid)} is not the invitation @id ${invitation.id}`)
  if (!ctx.unpacked.senderVerkey || !route.recipientKeys.includes(ctx.unpacked.senderVerkey)) {
    return refuse('request is not authcrypted with a key of the requester DID')
  }
  const numalgo = invitation.peerDidNumalgo ?? numalgoOf(theirDid)
  const { did, verkey } = await agent.createMyDid(numalgo)
  const response = newMessage(
    MessageTypes.didexchangeResponse,
    {
      did,
      'did_rotate~attach': signAttachment(did, {
        verkey: invitation.invitationKey,
        key: agent.wallet.requireKey(invitation.invitationKey),
      }),
    },
    // pthid is optional in a response (RFC 0023); it is sent because agents build their complete's
    // pthid from it (ACA-Py 0.12 fails to send complete without it, a deviation a scenario checks).
    { thid: threadId, pthid: invitation.id },
  )
  const updated = await agent.connections.update(connection.id, { state: 'response', myDid: did })
  await agent.send(response, route, { senderVerkey: verkey, connectionId: updated.id })
}

async function onResponse(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const connection = ctx.connection
  if (!connection || connection.role !== 'requester' || connection.state !== 'request') {
    agent.logger.warn({ id: ctx.message['@id'] }, 'DID Exchange response for no pending request: dropped')
    return
  }
  const theirDid = ctx.message.did
  const refuse = async (reason: string) => {
    await agent.connections.update(connection.id, { state: 'abandoned', problem: reason })
    const route =
      typeof theirDid === 'string' ? await agent.dids.resolveDidCommTarget(theirDid).catch(() => undefined) : undefined
    if (!route) return agent.logger.warn({ reason }, 'response refused; no route to report it')
    const report = newMessage(
      MessageTypes.didexchangeProblemReport,
      { description: { en: reason, code: 'response_not_accepted' } },
      { thid: connection.threadId, pthid: connection.invitationId },
    )
    await agent.send(report, route, {
      senderVerkey: agent.verkeyOfMyDid(connection.myDid as string),
      connectionId: connection.id,
    })
  }
  if (threadOf(ctx.message).thid !== connection.threadId) {
    return refuse(`~thread.thid ${String(threadOf(ctx.message).thid)} is not the request's ${connection.threadId}`)
  }
  if (typeof theirDid !== 'string') return refuse('response has no did')
  if (numalgoOf(theirDid) === 4) agent.dids.rememberLongForm(theirDid)
  // RFC 0023 1.1: the signature MUST be validated and its key MUST be the invitation's.
  const attachment = ctx.message['did_rotate~attach']
  if (!attachment) return refuse('response has no did_rotate~attach (required without a signed did_doc~attach)')
  try {
    const signed = verifyAttachment(attachment, connection.invitationKey as string)
    if (signed !== theirDid) return refuse(`did_rotate~attach signs ${signed}, not the response's did ${theirDid}`)
  } catch (e) {
    if (e instanceof AttachmentSignatureError) return refuse(`did_rotate~attach: ${e.message}`)
    throw e
  }
  const responded = await agent.connections.update(connection.id, { state: 'response', theirDid })
  const complete = newMessage(
    MessageTypes.didexchangeComplete,
    {},
    {
      thid: connection.threadId,
      pthid: connection.invitationId,
    },
  )
  await agent.sendOnConnection(responded, complete)
  await agent.connections.update(connection.id, { state: 'completed' })
}

async function onComplete(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const connection = ctx.connection
  if (!connection || connection.role !== 'responder' || connection.state !== 'response') {
    agent.logger.warn({ id: ctx.message['@id'] }, 'DID Exchange complete for no pending response: dropped')
    return
  }
  const { thid, pthid } = threadOf(ctx.message)
  // RFC 0023: complete's pthid "must be identical to the pthid used in the request".
  if (thid !== connection.threadId || pthid !== connection.invitationId) {
    await agent.connections.update(connection.id, {
      state: 'abandoned',
      problem: 'complete not threaded to the exchange',
    })
    const report = newMessage(
      MessageTypes.didexchangeProblemReport,
      {
        description: { en: `complete has thid ${String(thid)} pthid ${String(pthid)}`, code: 'complete_not_accepted' },
      },
      { thid: connection.threadId, pthid: connection.invitationId },
    )
    await agent.sendOnConnection(connection, report)
    return
  }
  await agent.connections.update(connection.id, { state: 'completed' })
}

async function onProblemReport(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const thid = threadOf(ctx.message).thid
  const connection = ctx.connection ?? agent.connections.find((c) => c.threadId === thid && c.state !== 'completed')
  if (!connection) return
  const description = ctx.message.description as { code?: unknown } | undefined
  await agent.connections.update(connection.id, {
    state: 'abandoned',
    problem: `peer reported ${String(description?.code ?? 'a problem')}`,
  })
}

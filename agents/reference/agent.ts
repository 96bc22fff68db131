import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { mkdirSync } from 'node:fs'
import type { Logger } from '../../common/logger.js'
import { silentLogger } from '../../common/logger.js'
import { validateMessage } from '../../schemas/validate.js'
import { ConnectionStore, type ConnectionRecord } from './connections.js'
import { EnvelopeError, packMessage, unpackMessage, type UnpackedMessage } from './didcomm/envelope.js'
import { isDidCommMessage, newMessage, type DidCommMessage } from '../../didcomm/message.js'
import { handlerKey, MessageTypes, parseMessageType, type MessageType } from '../../didcomm/messageType.js'
import { MessageTap, type TraceEntry } from './didcomm/tap.js'
import { HttpInbound, postEnvelope, RejectedMessage, ENVELOPE_MEDIA_TYPE } from './didcomm/transport.js'
import { createDidCommPeerDid } from './dids/didcommPeerDid.js'
import { DidRegistry, type DidCommTarget } from './dids/resolver.js'
import { describeFault } from '../../contract/faults.js'
import { applyFieldFaults, FaultInjector } from './faults/faults.js'
import { ensureAskarLibrary } from './native/askarLibrary.js'
import { registerProtocols } from './protocols/index.js'
import { Transactions } from './protocols/transactions.js'
import { AgentWallet } from './storage/wallet.js'

export type PeerDidNumalgo = 2 | 4

export interface ReferenceAgentOptions {
  label: string
  /** Directory for the agent's Askar store. */
  dataDir: string
  port?: number
  logger?: Logger
  /** The did:peer numalgo for DIDs this agent creates when nothing else decides it. */
  peerDidNumalgo?: PeerDidNumalgo
  /** The bound of each delivery to another agent's endpoint (default 10 s). */
  deliveryTimeoutMs?: number
  /** An Indy pool's genesis transactions, for the ledger writes of transaction endorsement. */
  ledgerGenesis?: string
}

export interface InboundContext {
  message: DidCommMessage
  type: MessageType
  unpacked: UnpackedMessage
  connection?: ConnectionRecord
  /** The invitation whose key the message was encrypted to, for handshake requests. */
  invitationId?: string
  entry: TraceEntry
}

export type Handler = (ctx: InboundContext) => Promise<void>

/** Where a message goes: the keys and endpoint of a resolved DIDComm service. */
export type Route = Pick<DidCommTarget, 'recipientKeys' | 'routingKeys' | 'serviceEndpoint'>

type KeyOwner = { kind: 'did'; did: string } | { kind: 'invitation'; invitationId: string }

const FORWARD_TYPE = 'https://didcomm.org/routing/1.0/forward'

/**
 * The reference agent: speaks DIDComm v1 exactly (RFC 0019 envelopes on Askar, RFC 0025 HTTP), keeps
 * every message in its tap, and misbehaves only when a named fault is armed.
 */
export class ReferenceAgent {
  readonly tap = new MessageTap()
  readonly faults = new FaultInjector()
  readonly dids = new DidRegistry()
  readonly connections: ConnectionStore
  readonly transactions: Transactions
  endpoint = ''

  private readonly handlers = new Map<string, Handler>()
  private readonly keyOwners = new Map<string, KeyOwner>()
  private readonly didVerkeys = new Map<string, string>()
  private readonly inbounds: HttpInbound[] = []
  private queue: Promise<void> = Promise.resolve()

  private constructor(
    readonly options: ReferenceAgentOptions,
    readonly wallet: AgentWallet,
    readonly logger: Logger,
  ) {
    this.connections = new ConnectionStore(wallet)
    this.transactions = new Transactions(this, options.ledgerGenesis)
  }

  static async start(options: ReferenceAgentOptions): Promise<ReferenceAgent> {
    await ensureAskarLibrary()
    mkdirSync(options.dataDir, { recursive: true })
    const wallet = await AgentWallet.open(path.join(options.dataDir, `${options.label}.sqlite`))
    const agent = new ReferenceAgent(options, wallet, options.logger ?? silentLogger())
    registerProtocols(agent)
    try {
      agent.endpoint = await agent.addEndpoint(options.port ?? 0)
    } catch (e) {
      await wallet.close()
      throw e
    }
    agent.logger.info({ endpoint: agent.endpoint }, 'reference agent started')
    return agent
  }

  /**
   * Listens on one more loopback port. DIDs made for it have a service endpoint of their own, as
   * RFC 0794 scenarios need (a new DID whose keys and endpoint both differ from the old one's).
   */
  async addEndpoint(port = 0): Promise<string> {
    let url = ''
    const inbound = new HttpInbound((body, meta) => this.receive(body, meta.contentType, url))
    url = await inbound.listen(port)
    this.inbounds.push(inbound)
    return url
  }

  async stop(): Promise<void> {
    await Promise.all(this.inbounds.map((i) => i.close()))
    await this.queue
    await this.transactions.close()
    await this.wallet.close()
    this.logger.info('reference agent stopped')
  }

  get label(): string {
    return this.options.label
  }

  /** Registers a handler for every minor version of `protocol/major` (RFC 0003). */
  register(protocol: string, major: number, name: string, handler: Handler): void {
    this.handlers.set(handlerKey({ protocol, major, name }), handler)
  }

  claimKey(verkey: string, owner: KeyOwner): void {
    this.keyOwners.set(verkey, owner)
  }

  /** A fresh DIDComm v1 peer DID with its key stored as the DID/key storage model describes. */
  async createMyDid(
    numalgo: PeerDidNumalgo = this.options.peerDidNumalgo ?? 4,
    serviceEndpoint = this.endpoint,
  ): Promise<{ did: string; verkey: string }> {
    const { verkey } = await this.wallet.createKey()
    const { did, shortDid, keyIds, relationships } = createDidCommPeerDid({ numalgo, verkey, serviceEndpoint })
    await this.wallet.bindDid({
      did,
      verkey,
      verificationMethodIds: keyIds,
      relationships,
      metadata: shortDid ? { shortDid } : {},
    })
    if (numalgo === 4) this.dids.rememberLongForm(did)
    this.keyOwners.set(verkey, { kind: 'did', did })
    this.didVerkeys.set(did, verkey)
    if (shortDid) this.didVerkeys.set(shortDid, verkey)
    return { did, verkey }
  }

  verkeyOfMyDid(did: string): string {
    const verkey = this.didVerkeys.get(did)
    if (!verkey) throw new Error(`${did} is not a DID of ${this.label}`)
    return verkey
  }

  /**
   * Sends on an established connection: from my DID's key to their DID's service, or to `theirDid`
   * when a scenario addresses one of the peer's other DIDs (e.g. its old one during a rotation).
   */
  async sendOnConnection(
    connection: ConnectionRecord,
    message: DidCommMessage,
    theirDid = connection.theirDid,
  ): Promise<TraceEntry> {
    if (connection.hungUp) throw new Error(`connection ${connection.id} was ended by a hangup (${connection.hungUp})`)
    if (!connection.myDid || !theirDid) throw new Error(`connection ${connection.id} has no DIDs yet`)
    const route = await this.dids.resolveDidCommTarget(theirDid)
    return this.send(message, route, {
      senderVerkey: this.verkeyOfMyDid(connection.myDid),
      connectionId: connection.id,
    })
  }

  /**
   * Packs and posts a message, applying the faults armed for its type, wrapping it in forwards for
   * each routing key, and recording it in the tap. A held message is delivered on `faults.release()`.
   */
  async send(
    message: DidCommMessage,
    route: Route,
    opts: { senderVerkey?: string; connectionId?: string },
  ): Promise<TraceEntry> {
    const type = parseMessageType(message['@type'])
    const faults = this.faults.take(type ? `${type.protocol}/${type.name}` : message['@type'])
    const wire = faults.length ? applyFieldFaults(message, faults) : message
    let recipientKeys = route.recipientKeys
    let endpoint = route.serviceEndpoint
    let senderVerkey = opts.senderVerkey
    for (const f of faults) {
      if (f.name === 'anoncrypt') senderVerkey = undefined
      if (f.name === 'send-to-key') recipientKeys = [f.verkey]
      if (f.name === 'send-to-endpoint') endpoint = f.endpoint
    }
    const sender = senderVerkey ? { verkey: senderVerkey, key: this.wallet.requireKey(senderVerkey) } : undefined
    let packed: unknown = packMessage(JSON.stringify(wire), recipientKeys, sender)
    let nextKey = recipientKeys[0]
    for (const routingKey of route.routingKeys) {
      const forward = { '@type': FORWARD_TYPE, '@id': randomUUID(), to: nextKey, msg: packed }
      packed = packMessage(JSON.stringify(forward), [routingKey])
      nextKey = routingKey
    }
    const thread = wire['~thread'] as { thid?: string; pthid?: string } | undefined
    const entry = this.tap.record({
      agent: this.label,
      direction: 'outbound',
      ...(opts.connectionId ? { connectionId: opts.connectionId } : {}),
      type: String(wire['@type']),
      id: String(wire['@id']),
      ...(thread?.thid ? { thid: thread.thid } : {}),
      ...(thread?.pthid ? { pthid: thread.pthid } : {}),
      message: wire,
      envelope: {
        alg: sender ? 'Authcrypt' : 'Anoncrypt',
        ...(sender ? { senderKey: sender.verkey } : {}),
        recipientKeys,
        endpoint,
        contentType: ENVELOPE_MEDIA_TYPE,
      },
      ...(faults.length ? { fault: faults.map(describeFault).join(', ') } : {}),
    })
    const deliver = async () => {
      try {
        const status = await postEnvelope(endpoint, packed, this.options.deliveryTimeoutMs)
        entry.delivery = `HTTP ${status}`
        this.logger.debug({ type: entry.type, id: entry.id, endpoint, status }, 'sent')
      } catch (e) {
        entry.delivery = `failed: ${(e as Error).message}`
        throw new Error(`${this.label} could not deliver ${entry.type} to ${endpoint}: ${(e as Error).message}`)
      }
    }
    if (faults.some((f) => f.name === 'hold')) this.faults.hold(deliver)
    else await deliver()
    return entry
  }

  /** A problem report (RFC 0035) threaded to the message that caused it. */
  async reportProblem(
    ctx: InboundContext,
    code: string,
    explanation: string,
    type: string = MessageTypes.problemReport,
  ): Promise<void> {
    if (!ctx.connection?.theirDid || !ctx.connection.myDid) {
      this.logger.warn({ code, explanation, type: ctx.type.uri }, 'problem not reportable: no connection')
      return
    }
    const report = newMessage(type, { description: { en: explanation, code } }, { pthid: ctx.message['@id'] })
    await this.sendOnConnection(ctx.connection, report)
  }

  /** HTTP inbound: decrypt now (so a bad envelope gets its 400), process in arrival order. */
  private async receive(body: unknown, contentType: string, endpoint: string): Promise<void> {
    let unpacked: UnpackedMessage
    try {
      unpacked = await unpackMessage(body, (verkey) => this.wallet.findKey(verkey))
    } catch (e) {
      if (e instanceof EnvelopeError) {
        this.logger.warn({ reason: e.message }, 'rejected envelope')
        throw new RejectedMessage(400, `invalid envelope: ${e.message}`)
      }
      throw e
    }
    let message: unknown
    try {
      message = JSON.parse(unpacked.plaintext)
    } catch {
      throw new RejectedMessage(400, 'decrypted payload is not JSON')
    }
    if (!isDidCommMessage(message)) throw new RejectedMessage(400, 'decrypted payload has no @type and @id')
    if (message['@type'] === FORWARD_TYPE) throw new RejectedMessage(400, 'this agent is not a mediator')
    this.queue = this.queue
      .then(() => this.process(message as DidCommMessage, unpacked, contentType, endpoint))
      .catch((e: Error) => this.logger.error({ err: e.message }, 'processing failed'))
  }

  private async process(
    message: DidCommMessage,
    unpacked: UnpackedMessage,
    contentType: string,
    endpoint: string,
  ): Promise<void> {
    const owner = this.keyOwners.get(unpacked.recipientVerkey)
    const addressed = owner?.kind === 'did' ? this.connections.byMyDid(owner.did) : undefined
    // Only a message authcrypted by the peer's key belongs to the connection; others are traced
    // against it (they were sent to its key) but handled as coming from nobody.
    const authenticated = addressed && (await this.isFromPeer(addressed, unpacked.senderVerkey))
    const connection = authenticated ? addressed : undefined
    const thread = message['~thread'] as { thid?: unknown; pthid?: unknown } | undefined
    const entry = this.tap.record({
      agent: this.label,
      direction: 'inbound',
      ...(addressed ? { connectionId: addressed.id } : {}),
      type: message['@type'],
      id: message['@id'],
      ...(typeof thread?.thid === 'string' ? { thid: thread.thid } : {}),
      ...(typeof thread?.pthid === 'string' ? { pthid: thread.pthid } : {}),
      message,
      envelope: {
        alg: unpacked.alg,
        ...(unpacked.senderVerkey ? { senderKey: unpacked.senderVerkey } : {}),
        recipientKeys: unpacked.recipientVerkeys,
        recipientKey: unpacked.recipientVerkey,
        endpoint,
        contentType,
      },
      schema: validateMessage(message),
    })
    this.logger.debug({ type: entry.type, id: entry.id, connection: connection?.id }, 'received')
    const type = parseMessageType(message['@type'])
    const ctx: InboundContext = {
      message,
      type: type ?? { uri: message['@type'], prefix: '', protocol: '', major: 0, minor: 0, name: '' },
      unpacked,
      ...(connection ? { connection } : {}),
      ...(owner?.kind === 'invitation' ? { invitationId: owner.invitationId } : {}),
      entry,
    }
    const handler = type ? this.handlers.get(handlerKey(type)) : undefined
    if (!handler) {
      // Never answer a problem report with one (RFC 0035: avoid report loops).
      if (type && /problem[-_]report/.test(type.name)) return
      await this.reportProblem(ctx, 'e.p.msg.unsupported-message-type', `unsupported message type ${message['@type']}`)
      return
    }
    try {
      await handler(ctx)
    } catch (e) {
      this.logger.error({ type: message['@type'], err: (e as Error).message }, 'handler failed')
      await this.reportProblem(ctx, 'e.p.msg.processing-error', (e as Error).message).catch(() => undefined)
    }
  }

  /** An authcrypted message belongs to a connection only if its sender key is the peer's. */
  private async isFromPeer(connection: ConnectionRecord, senderVerkey: string | undefined): Promise<boolean> {
    // A requester learns the responder's DID from the response itself, so that message cannot be checked yet.
    const awaitingResponse = connection.role === 'requester' && connection.state === 'request' && !connection.theirDid
    if (awaitingResponse) return true
    if (!senderVerkey || connection.hungUp === 'received') return false
    for (const did of [connection.theirDid, ...connection.previousTheirDids]) {
      if (!did) continue
      const target = await this.dids.resolveDidCommTarget(did).catch(() => undefined)
      if (target?.recipientKeys.includes(senderVerkey)) return true
    }
    return false
  }
}

/**
 * ACA-Py's transactions/1.0 (transaction endorsement) in both roles. There is no accepted Aries RFC
 * for it: the shapes are the ones ACA-Py's `protocols/endorse_transaction/v1_0` defines, with the
 * records correlated by body ids (`transaction_id` is the author's record, `thread_id` the other
 * side's), never by `~thread`. The Indy request travels as a JSON string, never through JSON.parse and
 * back: its reqId exceeds 2^53, and a re-serialised copy would no longer match its signatures.
 */
import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json'
import { CustomRequest, type IndyVdrRequest } from '@hyperledger/indy-vdr-nodejs'
import type { Key } from '@openwallet-foundation/askar-nodejs'
import { EventLog } from '../../../common/eventLog.js'
import { newMessage, type DidCommMessage } from '../../../didcomm/message.js'
import { messageTypeUri } from '../../../didcomm/messageType.js'
import {
  credentialDefinitionRequest,
  endorse,
  endpointRequest,
  LedgerClient,
  LedgerIdentity,
  schemaRequest,
} from '../../indy-pool/ledgerClient.js'
import type { InboundContext, ReferenceAgent } from '../agent.js'

export type TransactionJob = 'TRANSACTION_AUTHOR' | 'TRANSACTION_ENDORSER'
export type TransactionState =
  | 'request_sent'
  | 'request_received'
  | 'transaction_endorsed'
  | 'transaction_refused'
  | 'transaction_cancelled'
  | 'transaction_resent'
  | 'transaction_resent_received'
  | 'transaction_acked'

export const ENDORSE_GOAL = 'aries.transaction.endorse'
export const WRITE_DID_GOAL = 'aries.transaction.ledger.write_did'
const REFUSE_GOAL = 'aries.transaction.refuse'

const type = (name: string) => messageTypeUri('transactions', '1.0', name)

export interface TransactionRecord {
  /** This side's id: for the author, the request's `transaction_id`. */
  id: string
  role: 'author' | 'endorser'
  connectionId: string
  state: TransactionState
  /** The other side's record id: the endorser's `thread_id`, or the author's `transaction_id`. */
  theirId?: string
  /** The write request as the author sent it (`messages_attach.data.json`), a string. */
  request: string
  attachId: string
  signerGoal: string
  /** The request with both signatures, as the endorser returned it. */
  endorsed?: string
  /** The ledger's reply to the author's write. */
  written?: { seqNo: number }
}

/** What the protocol keeps: the records, each job taken on a connection, and the ledger DIDs per role. */
export class Transactions {
  readonly changes = new EventLog<TransactionRecord>((r) => `transaction ${r.id} ${r.state}`)
  private readonly records = new Map<string, TransactionRecord>()
  /** Each job a peer told us it takes on a connection, in the order they came. */
  readonly theirJobs = new EventLog<{ connectionId: string; job: TransactionJob }>((j) => `${j.connectionId} ${j.job}`)
  private readonly myJobs = new Map<string, TransactionJob>()
  private readonly endorserInfo = new Map<string, { did: string; name: string }>()
  /** Connections on which this agent endorses every request as it arrives (the automatic endorser). */
  readonly autoEndorse = new Set<string>()
  /** Connections on which this agent writes every endorsement as it arrives, and acks (the automatic author). */
  readonly autoWrite = new Set<string>()
  private readonly identities = new Map<'author' | 'endorser', LedgerIdentity>()
  private client?: Promise<LedgerClient>
  /** The automatic role whose job this agent takes on every connection that completes (none: only when told). */
  private roleOnNewConnections?: 'author' | 'endorser'
  private watchingConnections = false

  constructor(
    private readonly agent: ReferenceAgent,
    private readonly genesis: string | undefined,
  ) {}

  /**
   * The Indy DID of `key` (else of a fresh Ed25519 key) for the role; the ledger must learn of it from
   * someone with the right.
   */
  newIdentity(role: 'author' | 'endorser', key?: Key): LedgerIdentity {
    const identity = key ? LedgerIdentity.fromKey(key) : LedgerIdentity.generate()
    this.identities.set(role, identity)
    return identity
  }

  forgetIdentity(role: 'author' | 'endorser'): void {
    this.identities.delete(role)
  }

  /** The DIDs this agent holds on the ledger, in the order it made them. */
  ledgerDids(): string[] {
    return [...this.identities.values()].map((identity) => identity.did)
  }

  /** The ledger identity of one of this agent's DIDs, if it holds it. */
  identityOf(did: string): LedgerIdentity | undefined {
    return [...this.identities.values()].find((identity) => identity.did === did)
  }

  /**
   * Writes the endpoint ATTRIB of the role's ledger DID itself, as the DID's owner, so that others can
   * resolve the DID to this agent (ACA-Py writes it whenever it makes a DID public).
   */
  async writeOwnEndpoint(role: 'author' | 'endorser'): Promise<void> {
    const identity = this.identity(role)
    const client = await this.ledger()
    await client.write(identity.sign(endpointRequest({ authorDid: identity.did, endpoint: this.agent.endpoint })))
  }

  identity(role: 'author' | 'endorser'): LedgerIdentity {
    const identity = this.identities.get(role)
    if (!identity) throw new Error(`${this.agent.label} has no ledger DID as ${role}`)
    return identity
  }

  get(id: string): TransactionRecord {
    const record = this.records.get(id)
    if (!record) throw new Error(`${this.agent.label} has no transaction ${id}`)
    return record
  }

  find(id: string): TransactionRecord | undefined {
    return this.records.get(id)
  }

  /** The record this side keeps for the other side's id on a connection. */
  byTheirId(connectionId: string, theirId: unknown): TransactionRecord | undefined {
    return [...this.records.values()].find((r) => r.connectionId === connectionId && r.theirId === theirId)
  }

  save(record: TransactionRecord): TransactionRecord {
    this.records.set(record.id, record)
    this.changes.push({ ...record })
    return record
  }

  /**
   * Takes `job` on the connection and tells the peer; an agent in `automaticIn` that role's automatic flow
   * endorses (endorser) or writes and acks (author) on it from now on.
   */
  async setJob(connectionId: string, job: TransactionJob, automaticIn?: 'author' | 'endorser'): Promise<void> {
    // Taken already by its configuration (and told): a second transaction_my_job would only race the first at the peer.
    if (automaticIn && this.myJobs.get(connectionId) === job) return
    if (automaticIn === 'endorser' && job === 'TRANSACTION_ENDORSER') this.autoEndorse.add(connectionId)
    if (automaticIn === 'author' && job === 'TRANSACTION_AUTHOR') this.autoWrite.add(connectionId)
    this.myJobs.set(connectionId, job)
    await this.agent.sendOnConnection(
      this.agent.connections.require(connectionId),
      newMessage(type('transaction_my_job'), { job }),
    )
  }

  /**
   * The design's `--endorser-protocol-role`: the role's job is taken on every connection that completes
   * from now on, with no controller step (undefined: no more).
   */
  takeJobOnNewConnections(role: 'author' | 'endorser' | undefined): void {
    this.roleOnNewConnections = role
    if (!role || this.watchingConnections) return
    this.watchingConnections = true
    this.agent.connections.changes.onEvent((record) => {
      const automatic = this.roleOnNewConnections
      if (!automatic || record.state !== 'completed' || this.myJobs.has(record.id)) return
      const job = automatic === 'author' ? 'TRANSACTION_AUTHOR' : 'TRANSACTION_ENDORSER'
      this.setJob(record.id, job, automatic).catch((e: unknown) =>
        this.agent.logger.warn({ connection: record.id, err: (e as Error).message }, 'could not announce its job'),
      )
    })
  }

  setEndorserInfo(connectionId: string, did: string, name: string): void {
    this.endorserInfo.set(connectionId, { did, name })
  }

  private ledger(): Promise<LedgerClient> {
    if (!this.genesis) return Promise.reject(new Error(`${this.agent.label} was started without a ledger`))
    this.client ??= LedgerClient.open(this.genesis)
    return this.client
  }

  async close(): Promise<void> {
    await (await this.client)?.close()
  }

  /** Author: the schema's SCHEMA request, naming the endorser and signed by the author, sent for endorsement. */
  async requestSchema(
    connectionId: string,
    schema: { name: string; version: string; attributes: string[] },
    expiresTime?: string,
  ): Promise<{ record: TransactionRecord; schemaId: string }> {
    const author = this.identity('author')
    const request = schemaRequest({
      authorDid: author.did,
      name: schema.name,
      version: schema.version,
      attrNames: schema.attributes,
    })
    const record = await this.sendForEndorsement(connectionId, request, expiresTime)
    return { record, schemaId: `${author.did}:2:${schema.name}:${schema.version}` }
  }

  /** Author: an ATTRIB setting the DIDComm endpoint of its ledger DID, naming the endorser and signed by the author. */
  async requestEndpoint(connectionId: string, endpoint: string): Promise<{ record: TransactionRecord; did: string }> {
    const author = this.identity('author')
    const record = await this.sendForEndorsement(connectionId, endpointRequest({ authorDid: author.did, endpoint }))
    return { record, did: author.did }
  }

  /**
   * Author: a CLAIM_DEF on a schema already on the ledger, naming the endorser and signed by the author.
   * Its CL keys are placeholders of the right shape: the ledger checks the shape and the schema, and no
   * credential is ever issued from it.
   */
  async requestCredentialDefinition(
    connectionId: string,
    schemaId: string,
    tag: string,
  ): Promise<{ record: TransactionRecord; credentialDefinitionId: string }> {
    const author = this.identity('author')
    const schema = await (await this.ledger()).getSchema(schemaId)
    if (!schema) throw new Error(`schema ${schemaId} is not on the ledger`)
    const r = Object.fromEntries(['master_secret', ...schema.attrNames].map((name, i) => [name, String(i + 3)]))
    const request = credentialDefinitionRequest({
      authorDid: author.did,
      schemaSeqNo: schema.seqNo,
      tag,
      value: { primary: { n: '1', s: '2', r, rctxt: '7', z: '8' } },
    })
    const record = await this.sendForEndorsement(connectionId, request)
    return { record, credentialDefinitionId: `${author.did}:3:CL:${schema.seqNo}:${tag}` }
  }

  /** Author: names the connection's endorser in the request, signs it as the author and sends it for endorsement. */
  private async sendForEndorsement(
    connectionId: string,
    request: IndyVdrRequest,
    expiresTime?: string,
  ): Promise<TransactionRecord> {
    const endorser = this.endorserInfo.get(connectionId)
    if (!endorser) throw new Error(`no endorser is set for connection ${connectionId}`)
    request.setEndorser({ endorser: endorser.did })
    this.identity('author').sign(request)
    return this.sendRequest(connectionId, request.body, ENDORSE_GOAL, expiresTime)
  }

  private async sendRequest(
    connectionId: string,
    body: string,
    signerGoal: string,
    expiresTime?: string,
  ): Promise<TransactionRecord> {
    const record: TransactionRecord = {
      id: randomUUID(),
      role: 'author',
      connectionId,
      state: 'request_sent',
      request: body,
      attachId: randomUUID(),
      signerGoal,
    }
    const message = newMessage(type('request'), {
      transaction_id: record.id,
      signature_request: {
        context: 'did:sov',
        method: 'add-signature',
        signature_type: 'default',
        signer_goal_code: signerGoal,
        author_goal_code:
          signerGoal === WRITE_DID_GOAL ? 'aries.transaction.register_public_did' : 'aries.transaction.ledger.write',
      },
      timing: { expires_time: expiresTime ?? null },
      messages_attach: { '@id': record.attachId, 'mime-type': 'application/json', data: { json: body } },
      endorser_write_txn: false,
    })
    this.save(record)
    await this.agent.sendOnConnection(this.agent.connections.require(connectionId), message)
    return record
  }

  /** Endorser: adds its signature to the author's request, as it came (an opaque string), and answers. */
  async endorse(id: string): Promise<void> {
    const record = this.get(id)
    if (record.role !== 'endorser') throw new Error(`transaction ${id} is not one this agent endorses`)
    // A request the author cancelled is not endorsed (endorsing one again is how the faults resend an endorse).
    if (record.state === 'transaction_cancelled') throw new Error(`transaction ${id} was cancelled by its author`)
    const endorser = this.identity('endorser')
    const faults = this.agent.faults.take('transactions/endorse', 'behaviour')
    const over = faults.find((f) => f.name === 'endorse-on-connection')?.connectionId ?? record.connectionId
    const endorsed = faults.some((f) => f.name === 'endorse-another-request')
      ? await this.anotherRequest(endorser)
      : record.signerGoal === WRITE_DID_GOAL
        ? await this.writeDid(record.request, endorser)
        : record.signerGoal === ENDORSE_GOAL
          ? this.addSignature(record.request, endorser)
          : undefined
    if (endorsed === undefined) throw new Error(`the goal ${record.signerGoal} is not one this agent endorses`)
    const message = this.response(record, 'transaction_endorsed', record.signerGoal, {
      signature: { [endorser.did]: endorsed },
    })
    this.save({ ...record, state: 'transaction_endorsed', endorsed })
    await this.agent.sendOnConnection(this.agent.connections.require(over), { ...message, endorser_did: endorser.did })
  }

  /** The author's request with the endorser's signature added, the request itself untouched. */
  private addSignature(text: string, endorser: LedgerIdentity): string {
    const request = new CustomRequest({ customRequest: text })
    const named = (JSON.parse(text) as { endorser?: unknown }).endorser
    if (named !== endorser.did) {
      throw new Error(`the request names ${String(named)} as its endorser, not this endorser's ${endorser.did}`)
    }
    request.setMultiSignature({ identifier: endorser.did, signature: endorser.signatureFor(request) })
    return request.body
  }

  /**
   * The write_did goal: the endorser writes the author's NYM itself and answers with what ACA-Py's
   * endorser answers, the ledger's txn type and dest with the DID's data (create_endorse_response).
   */
  private async writeDid(text: string, endorser: LedgerIdentity): Promise<string> {
    const meta = JSON.parse(text) as { did?: unknown; verkey?: unknown; alias?: unknown; role?: unknown }
    if (typeof meta.did !== 'string' || typeof meta.verkey !== 'string') {
      throw new Error(`a write_did request needs a did and a verkey: ${text}`)
    }
    const ledger = await this.ledger()
    await ledger.writeNym({ submitter: endorser, did: meta.did, verkey: meta.verkey })
    // The author reads its NYM next (to make the DID public), from whichever node it asks.
    await ledger.nymOnEveryNode(meta.did)
    return JSON.stringify({ result: { txn: { type: '1', data: { dest: meta.did } } }, meta_data: meta })
  }

  /**
   * A fault: a SCHEMA request of another author, whose DID this endorser writes first, signed by that
   * author and endorsed; valid on the ledger, and not what the author asked for.
   */
  private async anotherRequest(endorser: LedgerIdentity): Promise<string> {
    const other = LedgerIdentity.generate()
    const ledger = await this.ledger()
    await ledger.writeNym({ submitter: endorser, did: other.did, verkey: other.verkey })
    const request = schemaRequest({
      authorDid: other.did,
      name: `another-${randomUUID()}`,
      version: '1.0',
      attrNames: ['x'],
    })
    return endorse(request, { author: other, endorser }).body
  }

  /** Author: asks the endorser to write the NYM of a new DID of its own (the write_did goal). */
  async requestDidRegistration(
    connectionId: string,
  ): Promise<{ record: TransactionRecord; did: string; verkey: string }> {
    const { did, verkey } = LedgerIdentity.generate()
    const meta = { did, verkey, alias: null, role: null }
    const record = await this.sendRequest(connectionId, JSON.stringify(meta), WRITE_DID_GOAL)
    return { record, did, verkey }
  }

  /** Author: withdraws a request that has no answer yet (`cancel`, naming it by the author's id). */
  async cancel(id: string): Promise<void> {
    const record = this.get(id)
    if (record.role !== 'author' || record.state !== 'request_sent') {
      throw new Error(
        `transaction ${id} is ${record.role}'s, ${record.state}: only a request waiting for an answer is cancelled`,
      )
    }
    this.save({ ...record, state: 'transaction_cancelled' })
    const message = newMessage(type('cancel'), { state: 'transaction_cancelled', thread_id: record.id })
    await this.agent.sendOnConnection(this.agent.connections.require(record.connectionId), message)
  }

  /** Author: asks again for a request it cancelled or had refused (`resend`, naming it by the author's id). */
  async resend(id: string): Promise<void> {
    const record = this.get(id)
    if (
      record.role !== 'author' ||
      (record.state !== 'transaction_cancelled' && record.state !== 'transaction_refused')
    ) {
      throw new Error(
        `transaction ${id} is ${record.role}'s, ${record.state}: only a cancelled or refused request is resent`,
      )
    }
    this.save({ ...record, state: 'transaction_resent' })
    const message = newMessage(type('resend'), { state: 'transaction_resent_received', thread_id: record.id })
    await this.agent.sendOnConnection(this.agent.connections.require(record.connectionId), message)
  }

  async refuse(id: string): Promise<void> {
    const record = this.get(id)
    if (record.role !== 'endorser') throw new Error(`transaction ${id} is not one this agent endorses`)
    const message = this.response(record, 'transaction_refused', REFUSE_GOAL, {})
    this.save({ ...record, state: 'transaction_refused' })
    await this.agent.sendOnConnection(this.agent.connections.require(record.connectionId), message)
  }

  private response(
    record: TransactionRecord,
    state: TransactionState,
    goal: string,
    extra: Record<string, unknown>,
  ): DidCommMessage {
    const name = state === 'transaction_refused' ? 'refuse' : 'endorse'
    return newMessage(type(name), {
      transaction_id: record.theirId,
      thread_id: record.id,
      signature_response: {
        message_id: record.attachId,
        context: 'did:sov',
        method: 'add-signature',
        signer_goal_code: goal,
        signature_type: 'default',
        ...extra,
      },
      state,
    })
  }

  /**
   * Author: submits the endorsed request exactly as the endorser returned it, then acks; for write_did
   * the endorser has written the NYM, and the author only acks (ACA-Py's complete_transaction).
   */
  async write(id: string): Promise<void> {
    const record = this.get(id)
    if (record.state !== 'transaction_endorsed' || !record.endorsed) {
      throw new Error(`transaction ${id} is ${record.state}, not endorsed`)
    }
    if (record.signerGoal === ENDORSE_GOAL && !sameRequest(record.request, record.endorsed)) {
      throw new Error(`the endorsed request of transaction ${id} is not the request asked for: nothing written`)
    }
    const written =
      record.signerGoal === WRITE_DID_GOAL
        ? undefined
        : { seqNo: (await (await this.ledger()).write(new CustomRequest({ customRequest: record.endorsed }))).seqNo }
    this.save({ ...record, state: 'transaction_acked', ...(written ? { written } : {}) })
    const ack = newMessage(type('ack'), { status: 'OK', thread_id: record.id })
    await this.agent.sendOnConnection(this.agent.connections.require(record.connectionId), ack)
  }
}

/**
 * Whether an endorsed request is the one asked for: the same author, the same write and the same
 * reqId (read from the text, as it exceeds 2^53); only signatures may have been added.
 */
function sameRequest(asked: string, endorsed: string): boolean {
  const read = (text: string) => {
    const { identifier, operation } = JSON.parse(text) as { identifier?: unknown; operation?: unknown }
    return { identifier, operation, reqId: /"reqId"\s*:\s*(\d+)/.exec(text)?.[1] }
  }
  return isDeepStrictEqual(read(asked), read(endorsed))
}

export function registerTransactions(agent: ReferenceAgent): void {
  agent.register('transactions', 1, 'transaction_my_job', async (ctx) => {
    const job = ctx.message.job
    if (!ctx.connection || (job !== 'TRANSACTION_AUTHOR' && job !== 'TRANSACTION_ENDORSER')) return
    agent.transactions.theirJobs.push({ connectionId: ctx.connection.id, job })
  })
  agent.register('transactions', 1, 'request', (ctx) => onRequest(agent, ctx))
  agent.register('transactions', 1, 'endorse', (ctx) => onResponse(agent, ctx, 'transaction_endorsed'))
  agent.register('transactions', 1, 'refuse', (ctx) => onResponse(agent, ctx, 'transaction_refused'))
  agent.register('transactions', 1, 'ack', (ctx) => onThreaded(agent, ctx, 'transaction_acked'))
  agent.register('transactions', 1, 'cancel', (ctx) => onThreaded(agent, ctx, 'transaction_cancelled'))
  agent.register('transactions', 1, 'resend', (ctx) => onThreaded(agent, ctx, 'transaction_resent_received'))
}

/** Endorser: keeps the request as it came; the scenario (or its controller) decides to endorse or refuse. */
async function onRequest(agent: ReferenceAgent, ctx: InboundContext): Promise<void> {
  const connection = ctx.connection
  const m = ctx.message as Record<string, unknown> & {
    messages_attach?: { '@id'?: unknown; data?: { json?: unknown } }
    signature_request?: { signer_goal_code?: unknown }
  }
  const body = ledgerRequestText(m.messages_attach?.data?.json, ctx.unpacked.plaintext)
  if (!connection || typeof m.transaction_id !== 'string' || body === undefined) {
    agent.logger.warn({ id: m['@id'] }, 'transactions request without a connection, transaction_id or request')
    return
  }
  const record = agent.transactions.save({
    id: randomUUID(),
    role: 'endorser',
    connectionId: connection.id,
    state: 'request_received',
    theirId: m.transaction_id,
    request: body,
    attachId: String(m.messages_attach?.['@id'] ?? ''),
    signerGoal: String(m.signature_request?.signer_goal_code ?? ''),
  })
  if (!agent.transactions.autoEndorse.has(connection.id)) return
  // The request's own deadline (ACA-Py: "till when the transaction should be endorsed").
  const expires = Date.parse(String((m.timing as { expires_time?: unknown } | undefined)?.expires_time ?? ''))
  const txnType = ledgerWriteType(body)
  const refused = agent.faults.take(
    'transactions/request',
    'behaviour',
    (f) => f.name === 'refuse-ledger-write' && f.txnType === txnType,
  )
  if (expires <= Date.now() || refused.length > 0) await agent.transactions.refuse(record.id)
  else await agent.transactions.endorse(record.id)
}

/** The txn type of the ledger write a request asks for (`operation.type`), or undefined (write_did). */
function ledgerWriteType(text: string): string | undefined {
  try {
    const type = (JSON.parse(text) as { operation?: { type?: unknown } }).operation?.type
    return type === undefined ? undefined : String(type)
  } catch {
    return undefined
  }
}

/**
 * The ledger request a transactions request carries, as text: a string as it came, or an object (as
 * ACA-Py's ATTRIB requests come; the SHOULD of TXN-11 reports that) read again from the plaintext
 * without loss, since its reqId exceeds 2^53 and the message's own parse has rounded it.
 */
export function ledgerRequestText(json: unknown, plaintext: string): string | undefined {
  if (typeof json === 'string') return json
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined
  const exact = parseLossless(plaintext) as { messages_attach?: { data?: { json?: unknown } } }
  return stringifyLossless(exact.messages_attach?.data?.json)
}

/** Author: an endorse or refuse names the author's record by `transaction_id`. */
async function onResponse(agent: ReferenceAgent, ctx: InboundContext, state: TransactionState): Promise<void> {
  const m = ctx.message as Record<string, unknown> & {
    signature_response?: { signature?: Record<string, unknown> }
  }
  const record = typeof m.transaction_id === 'string' ? agent.transactions.find(m.transaction_id) : undefined
  if (!ctx.connection || !record || record.role !== 'author' || record.connectionId !== ctx.connection.id) {
    agent.logger.warn({ id: m['@id'], transaction: m.transaction_id }, 'endorse or refuse for no request of ours')
    return
  }
  const endorsed = typeof m.endorser_did === 'string' ? m.signature_response?.signature?.[m.endorser_did] : undefined
  // Thrown before anything changes: the agent answers it with a problem report.
  if (state === 'transaction_endorsed' && typeof endorsed !== 'string') {
    throw new Error('an endorse without the endorsed request (signature_response.signature[endorser_did])')
  }
  agent.transactions.save({
    ...record,
    state,
    theirId: typeof m.thread_id === 'string' ? m.thread_id : record.theirId,
    ...(typeof endorsed === 'string' ? { endorsed } : {}),
  })
  if (state === 'transaction_endorsed' && agent.transactions.autoWrite.has(record.connectionId)) {
    await agent.transactions.write(record.id)
  }
}

/** Endorser: ack, cancel and resend name the author's record by `thread_id`. */
async function onThreaded(agent: ReferenceAgent, ctx: InboundContext, state: TransactionState): Promise<void> {
  const record = ctx.connection ? agent.transactions.byTheirId(ctx.connection.id, ctx.message.thread_id) : undefined
  if (!record) {
    agent.logger.warn({ id: ctx.message['@id'], thread: ctx.message.thread_id }, 'transactions message for no record')
    return
  }
  agent.transactions.save({ ...record, state })
}

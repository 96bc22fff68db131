/**
 * What the features need from an agent, in the protocols' own terms, as separate capabilities. Steps
 * call only these; every agent family implements the ones it can in its adapter folder, and a
 * scenario that needs a capability an agent lacks is `untested` for it, with the reason.
 */
import type {
  ConnectionInfo,
  ConnectionState,
  CreateInvitationOptions,
  InvitationResult,
  ReceiveInvitationOptions,
  ReceivedBasicMessage,
  WaitOptions,
} from '../contract/connections.js'
import type { Fault } from '../contract/faults.js'
import type {
  InterruptedStoreMigration,
  StorageLayout,
  StoreMigration,
  StoreSnapshot,
} from '../contract/storeSnapshot.js'
import type { AgentFailure } from '../contract/summary.js'
import type { TraceEntry } from '../contract/trace.js'

/** Out-of-band 1.1 and DID Exchange 1.1. */
export interface Connections {
  createInvitation(options?: CreateInvitationOptions): Promise<InvitationResult>
  /** Accepts the invitation (object or URL) and starts the handshake; returns the new connection id. */
  receiveInvitation(invitation: Record<string, unknown> | string, options?: ReceiveInvitationOptions): Promise<string>
  /** The connection this agent made from its own invitation, once the invitee's request arrived. */
  waitForConnectionFromInvitation(invitationId: string, options?: WaitOptions): Promise<string>
  waitForConnectionState(connectionId: string, state: ConnectionState, options?: WaitOptions): Promise<ConnectionInfo>
  getConnection(connectionId: string): Promise<ConnectionInfo>
}

/** Trust ping 1.0 and basic message 1.0 on a connection. */
export interface Messaging {
  /** Sends a trust ping asking for a response; returns the ping's `@id`. */
  sendTrustPing(connectionId: string): Promise<string>
  waitForTrustPingResponse(connectionId: string, pingId: string, options?: WaitOptions): Promise<void>
  sendBasicMessage(connectionId: string, content: string): Promise<void>
  waitForBasicMessage(connectionId: string, content: string, options?: WaitOptions): Promise<ReceivedBasicMessage>
}

/** RFC 0794 DID Rotate 1.0, both roles. */
export interface DidRotate {
  /**
   * Rotating party: rotates the connection to a fresh DID of the agent's own making, or to `toDid`
   * where the agent accepts one. Resolves once the rotate is sent, with the DID announced.
   */
  rotate(connectionId: string, options?: { toDid?: string }): Promise<{ newDid: string }>
  /** Ends the relationship with a hangup. */
  hangup(connectionId: string): Promise<void>
  /** Waits until the agent uses `did` as its own DID on the connection (the rotating side, after the ack). */
  waitForMyDid(connectionId: string, did: string, options?: WaitOptions): Promise<ConnectionInfo>
  /** Observing party: waits until the agent shows it has processed a hangup on the connection. */
  waitForHangupProcessed(connectionId: string, options?: WaitOptions): Promise<void>
}

/** Where a message to a DID goes: the keys and endpoint of its DIDComm service. */
export interface DidCommRoute {
  recipientKeys: string[]
  routingKeys: string[]
  serviceEndpoint: string
}

/**
 * The reference agent as an instrument: its decrypted trace, its named faults and its raw sends. The
 * only door steps have into it; only the reference agent offers it.
 */
export interface Instrument {
  /** Clears what an earlier scenario armed or held, and starts this scenario's trace. */
  beginScenario(): void
  /** This scenario's messages, sent and received, oldest first. */
  trace(direction?: TraceEntry['direction']): TraceEntry[]
  /** A position in the trace, to read only what comes after it with `traceSince`. */
  mark(): number
  traceSince(mark: number): TraceEntry[]
  /** Every message on a connection, also from before this scenario. */
  traceOfConnection(connectionId: string): TraceEntry[]
  /** Waits for a message of this scenario in one direction (including one already there). */
  waitForTrace(
    direction: TraceEntry['direction'],
    match: (e: TraceEntry) => boolean,
    awaited: string,
    options?: WaitOptions,
  ): Promise<TraceEntry>
  /** Arms a named fault for the next outbound message of a type (`protocol/name`). */
  arm(fault: Fault, messageType: string): void
  /** Delivers the messages held back by `hold` faults. */
  release(): Promise<void>
  /** Resolves a DID to its DIDComm service as the reference agent sees it. */
  route(did: string): Promise<DidCommRoute>
  /** Resolves a DID to its document as the reference agent sees it. */
  resolve(did: string): Promise<Record<string, unknown>>
  /** Sends a message on the connection, to the peer's current DID or to `theirDid`. */
  sendOnConnection(connectionId: string, message: Record<string, unknown>, theirDid?: string): Promise<void>
  /** Sends on the connection even after a hangup ended it, from our DID to theirs, as a fault would. */
  sendPastHangup(connectionId: string, message: Record<string, unknown>): Promise<void>
  /** Anoncrypts a message for one recipient key (any key, owned by anyone or no one) and posts it; returns the HTTP status. */
  sendToKey(endpoint: string, recipientVerkey: string, message: Record<string, unknown>): Promise<number>
  /** Posts a body to an endpoint as an envelope; returns the HTTP status. */
  postEnvelope(endpoint: string, envelope: unknown): Promise<number>
  /** Verifies an RFC 0017 signed attachment against a key and returns its content (throws if it does not verify). */
  verifySignedAttachment(attachment: unknown, verkey: string): string
}

/**
 * How a call to a multitenant agent's admin surface is authorised: as a tenant with its current
 * token, with a token it held before, or with one forged from it; as the base wallet (the admin key
 * without a token); or with no credential at all. Tokens and keys stay inside the adapter.
 */
export type Credential =
  | { as: 'tenant'; tenant: Tenant }
  | { as: 'previous-token'; tenant: Tenant }
  | { as: 'forged-token'; tenant: Tenant; forgery: TokenForgery; other?: Tenant }
  | { as: 'base-wallet' }

/** A token made from a tenant's: signed with another secret, unsigned (`alg: none`), or another tenant's wallet id in its signed body. */
export type TokenForgery = 'wrong-secret' | 'alg-none' | 'wallet-id-swapped'

/** What the agent answered a call on its admin surface: allowed or refused, and what it returned. */
export interface AdminOutcome {
  allowed: boolean
  status: number
  /** Ids of the records returned (connections, DIDs, tenants), for isolation checks. */
  ids: string[]
  /** The answer's text, with the credentials the harness holds redacted, for evidence. */
  text: string
  /** Which secrets (wallet keys, tokens, the JWT secret, the admin key) the answer carried, by name. */
  leaked: string[]
}

/** The calls a tenant's isolation is checked with, each under a credential. */
export type AdminCall =
  | { call: 'list-connections' }
  | { call: 'read-connection'; id: string }
  | { call: 'delete-connection'; id: string }
  | { call: 'list-dids' }
  | { call: 'list-tenants' }
  | { call: 'read-tenant'; tenant: Tenant }
  | { call: 'issue-token'; tenant: Tenant }
  | { call: 'read-config' }

/** An event the agent delivered to a webhook subscriber: whose subscriber, which wallet it says it is about. */
export interface DeliveredEvent {
  /** The tenant whose subscriber got it, or `base` for the agent's own. */
  subscriber: string
  /** The wallet the agent says the event is about (`x-wallet-id`), if it says. */
  walletId?: string
  topic: string
  payload: Record<string, unknown>
}

/** One tenant of a multitenant agent: a driver of its own over the same process. */
export interface Tenant {
  /** The agent's id for the tenant (ACA-Py's wallet id). */
  readonly id: string
  readonly label: string
  readonly driver: Driver
}

/**
 * A check the agent's tenancy model has nothing to offer for (a Credo agent has no tokens and no admin
 * API): the scenario is `untested` for it, with this message as the reason.
 */
export class NotOffered extends Error {}

/** A multitenant agent in one tenancy mode, with the admin surface that manages its tenants. */
export interface Agency {
  readonly mode: string
  /** The inbound endpoint every tenant shares. */
  readonly endpoint: string
  /** A new tenant with a webhook subscriber of its own; its driver offers connections, messaging and DID Rotate. */
  createTenant(label: string): Promise<Tenant>
  /** Removes the tenant and its wallet. */
  removeTenant(tenant: Tenant): Promise<void>
  /** Issues the tenant a new token, which its driver uses from then on; the one before is kept as `previous-token`. */
  reissueToken(tenant: Tenant): Promise<void>
  /** Stops the agent and starts it on the same base wallet, ports and secrets; tenants keep their tokens. */
  restart(): Promise<void>
  call(credential: Credential, call: AdminCall): Promise<AdminOutcome>
  /** Every event delivered so far, to every subscriber (the base's and each tenant's). */
  events(): DeliveredEvent[]
  /** The first event to arrive that matches, or undefined when none does within the calibrated quiet bound. */
  eventWithin(match: (e: DeliveredEvent) => boolean, ceilingMs: number): Promise<DeliveredEvent | undefined>
  /** Names of the agent's and its tenants' secrets (wallet keys, tokens, JWT secret) that appear in `text`. */
  leaks(text: string): string[]
  /** The agent's whole log, unredacted, for leak checks only (never put in a report). */
  rawLog(): Promise<string>
}

/** A multitenant agent in each tenancy mode it offers, started on first use and stopped with the host. */
export interface Tenancy {
  readonly modes: readonly string[]
  agency(mode: string): Promise<Agency>
}

/** The agent's own Askar store, opened and read by the harness: what it holds, not what it says it holds. */
export interface StoreInspection {
  /** The record layout this agent version writes, where the harness knows it (schemas/storage/<layout>/). */
  readonly layout: StorageLayout | undefined
  /** Reads the store now, files the snapshot in the run's `stores/` folder and returns it. */
  snapshot(): Promise<StoreSnapshot>
  /**
   * Stops the agent, runs the reference migration of the DID and key storage design on its store, and
   * starts it again on the migrated store (NotOffered where the harness cannot).
   */
  migrate(): Promise<StoreMigration>
  /**
   * Stops the agent, copies its store, runs `store migrate` on the store as a child process and kills it
   * (SIGKILL) once it has planned, while it writes; then migrates the store again and the copy without
   * interruption, and starts the agent on the migrated store (NotOffered where the harness cannot).
   * Returns the store before and after the kill, and both migrations' results.
   */
  migrateInterrupted(): Promise<InterruptedStoreMigration>
  /**
   * Puts back the store as it was before the harness first changed it (`backUp`, `createUnqualifiedDid`,
   * `migrate`, `migrateInterrupted`) and starts the agent on it again, so that what a scenario did to
   * the store reaches no later scenario.
   * Does nothing when nothing was changed.
   */
  restore(): Promise<void>
  /**
   * Keeps a copy of the store as it is now, once, for `restore()` to put back: a scenario is about to
   * change the agent as a whole (a public DID) through the agent (NotOffered where it cannot be put back).
   */
  backUp(): Promise<void>
  /**
   * Makes the agent keep a DID as agents did before qualified DIDs: an unqualified (did:sov-style) DID
   * of a fresh key, posted nowhere, as connections/1.0 made them (NotOffered where the agent cannot).
   */
  createUnqualifiedDid(): Promise<{ did: string; verkey: string }>
}

/** Which side of ACA-Py's transactions/1.0 an agent takes on a connection. */
export type TransactionJob = 'TRANSACTION_AUTHOR' | 'TRANSACTION_ENDORSER'

/** The states of a transaction record in transactions/1.0, as both sides name them. */
export type TransactionState =
  | 'transaction_created'
  | 'request_sent'
  | 'request_received'
  | 'transaction_endorsed'
  | 'transaction_refused'
  | 'transaction_resent'
  | 'transaction_resent_received'
  | 'transaction_cancelled'
  | 'transaction_acked'

/** A transaction as one side holds it. */
export interface TransactionInfo {
  /** This side's record id (the author's is the request's `transaction_id`). */
  id: string
  connectionId: string
  state: TransactionState
  /** The ledger request as this side holds it, where it says (the reference agent: exact, as read off the wire). */
  request?: string
}

/** A schema an author asks to have written: `<author DID>:2:<name>:<version>`. */
export interface SchemaDraft {
  name: string
  version: string
  attributes: string[]
}

/**
 * ACA-Py's transactions/1.0 (transaction endorsement) on the run's Indy pool, in both roles: an author
 * without a ledger role has its writes endorsed by an endorser with the ENDORSER role.
 */
/** The alias an automatic author is configured to find its endorser's connection by (`--endorser-alias`). */
export const ENDORSER_ALIAS = 'endorser'

/** A variant of an automatic flow. */
export interface AutomaticOptions {
  /** A new agent for this scenario alone, with no public DID yet. */
  fresh?: boolean
  /** An author that makes a DID its endorser wrote for it its public DID (ACA-Py's --auto-promote-author-did). */
  promoteWrittenDid?: boolean
  /**
   * An author started with its endorser's invitation and public DID (ACA-Py's --endorser-invitation and
   * --endorser-public-did), to connect to it by itself as it starts. Implies `fresh`.
   */
  endorserInvitation?: { url: string; endorserDid: string }
  /**
   * An author that knows its endorser by public DID alone (ACA-Py's --endorser-public-did, no
   * --endorser-alias), to find the connection made with that DID. Implies `fresh`.
   */
  endorserPublicDid?: string
}

export interface Endorsement {
  /**
   * A fresh DID of the agent, written to the ledger through the trustee (an endorser's with the ENDORSER
   * role, an author's with none) and made the agent's public DID. An automatic author's DID is made
   * public over its connection to the endorser, whose DID it must already know. `withoutRole`: an
   * endorser's DID written with no role, for the ledger to refuse what it endorses. `withEndpoint`: its
   * endpoint ATTRIB written too, so that others resolve the DID to the agent (ACA-Py always writes it).
   */
  ledgerDid(
    role: 'author' | 'endorser',
    connectionId: string,
    options?: { withoutRole?: boolean; withEndpoint?: boolean },
  ): Promise<string>
  /** Takes the job on the connection and tells the peer (transaction_my_job). */
  setJob(connectionId: string, job: TransactionJob): Promise<void>
  /** Waits until the agent has recorded the peer's job on the connection, as the peer's transaction_my_job told it. */
  waitForPeerJob(connectionId: string, job: TransactionJob, options?: WaitOptions): Promise<void>
  /** Author: the endorser the connection leads to, by its public DID. */
  setEndorserInfo(connectionId: string, endorserDid: string, name: string): Promise<void>
  /**
   * Author: makes the schema's write request for the endorser on the connection and sends it for
   * endorsement, to be endorsed before `expiresTime` (ISO 8601) where given.
   */
  requestSchemaEndorsement(
    connectionId: string,
    schema: SchemaDraft,
    options?: {
      expiresTime?: string
      /**
       * Name no connection: the author finds its endorser's connection itself, as it was configured (by
       * the alias ENDORSER_ALIAS, or by the endorser's public DID), as the design's automatic author
       * does for every request.
       */
      namingNoConnection?: boolean
    },
  ): Promise<TransactionInfo & { schemaId: string }>
  /**
   * Author: makes the write request of a credential definition (CL, no revocation) on a schema already
   * on the ledger, for the endorser on the connection, and sends it for endorsement.
   */
  requestCredentialDefinitionEndorsement(
    connectionId: string,
    schemaId: string,
    tag: string,
  ): Promise<TransactionInfo & { credentialDefinitionId: string }>
  /**
   * Author: makes the ATTRIB that sets `endpoint` as the DIDComm endpoint of its public DID, for the
   * endorser on the connection, and sends it for endorsement.
   */
  requestEndpointEndorsement(connectionId: string, endpoint: string): Promise<TransactionInfo & { did: string }>
  /**
   * Author: asks the endorser on the connection to write the NYM of a new DID of the author's own (the
   * write_did goal: the endorser writes it, the author writes nothing).
   */
  requestDidRegistration(connectionId: string): Promise<TransactionInfo & { did: string; verkey: string }>
  /**
   * Endorser: the transaction the author on the connection asked to have endorsed whose ledger request
   * mentions `about` (a schema's name): an author may ask for other writes besides (its endpoint).
   */
  waitForRequest(connectionId: string, about: string, options?: WaitOptions): Promise<TransactionInfo>
  endorse(transactionId: string): Promise<void>
  refuse(transactionId: string): Promise<void>
  /** Author: writes the endorsed transaction to the ledger, then acks. */
  write(transactionId: string): Promise<void>
  waitForState(transactionId: string, state: TransactionState, options?: WaitOptions): Promise<TransactionInfo>
  /** Author: withdraws a request it sent that has no answer yet (`transactions/1.0/cancel`). */
  cancel(transactionId: string): Promise<void>
  /** Author: asks again for a request it cancelled or had refused (`transactions/1.0/resend`). */
  resend(transactionId: string): Promise<void>
  /** The transaction as the agent holds it now. */
  transaction(transactionId: string): Promise<TransactionInfo>
  /**
   * The agent set up for the design's automatic flows in a role, with no controller step after the
   * one call that starts a flow: the endorser endorses every request as it arrives; the author sends
   * each request as it makes it and writes and acks each endorsement as it arrives. ACA-Py: a process
   * of its own started with its endorser flags, on first use. A driver of its own, with its own connections.
   */
  automatic(role: 'author' | 'endorser', options?: AutomaticOptions): Promise<Driver>
  /** The agent's public DID now (ACA-Py: `GET /wallet/did/public`), or undefined when it has none. */
  publicDid(): Promise<string | undefined>
  /** Author: its newest completed connection named by its endorser alias (ENDORSER_ALIAS), or undefined. */
  endorserConnection(): Promise<string | undefined>
}

/**
 * Issuing with revocation as the design's unprivileged author: the agent makes its revocation
 * registries, uploads their tails files and publishes their entries itself, every write going
 * through its endorser.
 */
export interface Revocation {
  /**
   * Author: a credential definition with revocation support on a schema already on the ledger, its
   * registries `registrySize` credentials each, written through the endorser on the connection.
   * What follows it (registries, tails files, entries) is the agent's own doing, with no further call.
   */
  createRevocableCredentialDefinition(
    connectionId: string,
    schemaId: string,
    tag: string,
    registrySize: number,
  ): Promise<{ credentialDefinitionId: string }>
  /** The revocation registries the agent holds for the credential definition, each with the state it gives it. */
  registries(credentialDefinitionId: string): Promise<Array<{ id: string; state: string }>>
  /** The registry the agent issues the definition's credentials from now, or undefined while it has none. */
  activeRegistry(credentialDefinitionId: string): Promise<string | undefined>
  /**
   * Issuer: issues a credential of the definition over issue-credential 2.0 to a holder the adapter
   * runs itself (ACA-Py: a second instance of the same version), and says where it is recorded.
   */
  issue(
    credentialDefinitionId: string,
    attributes: Record<string, string>,
    options?: WaitOptions,
  ): Promise<IssuedCredential>
  /**
   * Issuer: revokes the credential; `publish`: the registry's new entry is written at once, else the
   * revocation waits for `publishRevocations`. The agent finds its endorser by itself (its endorser alias).
   */
  revoke(credential: IssuedCredential, publish: boolean): Promise<void>
  /** Issuer: writes every revocation that waits, one entry per registry, through its endorser. */
  publishRevocations(): Promise<void>
}

/** Where an issued credential is recorded: its revocation registry and its index there (`cred_rev_id`). */
export interface IssuedCredential {
  registryId: string
  index: number
}

export interface Capabilities {
  connections: Connections
  messaging: Messaging
  didRotate: DidRotate
  instrument: Instrument
  tenancy: Tenancy
  store: StoreInspection
  endorsement: Endorsement
  revocation: Revocation
}

export type CapabilityName = keyof Capabilities

export const CAPABILITY_NAMES: readonly CapabilityName[] = [
  'connections',
  'messaging',
  'didRotate',
  'instrument',
  'tenancy',
  'store',
  'endorsement',
  'revocation',
]

/** A capability the agent does not offer: the scenario needing it is `untested` for that agent. */
export class CapabilityMissing extends Error {}

/** One agent as the steps see it: an instance of an agent id, and what it can do. */
export interface Driver {
  /** The instance, unique in a run (`acapy-1.7.0-1`), as logs and evidence name it. */
  readonly instance: string
  /** The agent id (`acapy@1.7.0`). */
  readonly agentId: string
  has(capability: CapabilityName): boolean
  /** The capability, or CapabilityMissing saying why the agent has none. */
  get<C extends CapabilityName>(capability: C): Capabilities[C]
  /** Why the agent lacks a capability, or undefined when it has it. */
  lacks(capability: CapabilityName): string | undefined
  /** The last lines of the agent's own log, for failure evidence (never containing secrets). */
  logTail(lines?: number): Promise<string>
  /** Set once the agent has exited or stopped answering: nothing more can be asked of it. */
  failure(): AgentFailure | undefined
  /** Asks the agent whether it still answers (bounded), and says if it is gone. */
  checkHealth(): Promise<AgentFailure | undefined>
}

/** A driver over the capabilities an adapter offers; `reasons` says why the others are absent. */
export function capabilityDriver(
  agent: Pick<Driver, 'instance' | 'agentId' | 'logTail' | 'failure' | 'checkHealth'>,
  offered: Partial<Capabilities>,
  reasons: Partial<Record<CapabilityName, string>> = {},
): Driver {
  const lacks = (c: CapabilityName) =>
    offered[c]
      ? undefined
      : (reasons[c] ??
        (c === 'instrument' ? 'only the reference agent is an instrument' : 'not implemented by its adapter'))
  return {
    instance: agent.instance,
    agentId: agent.agentId,
    logTail: (lines) => agent.logTail(lines),
    failure: () => agent.failure(),
    checkHealth: () => agent.checkHealth(),
    has: (c) => offered[c] !== undefined,
    lacks,
    get<C extends CapabilityName>(c: C): Capabilities[C] {
      const capability = offered[c]
      if (!capability) throw new CapabilityMissing(`${agent.agentId} has no ${c} capability: ${lacks(c)}`)
      return capability as Capabilities[C]
    },
  }
}

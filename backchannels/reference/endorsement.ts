import type { ReferenceAgent } from '../../agents/reference/agent.js'
import type { TransactionRecord } from '../../agents/reference/protocols/transactions.js'
import type { Ledger } from '../../agents/indy-pool/resource.js'
import { DEFAULT_WAIT_MS, type WaitOptions } from '../../contract/connections.js'
import {
  CAPABILITY_NAMES,
  capabilityDriver,
  ENDORSER_ALIAS,
  NotOffered,
  type AutomaticOptions,
  type Driver,
  type Endorsement,
  type SchemaDraft,
  type TransactionInfo,
  type TransactionJob,
  type TransactionState,
} from '../capabilities.js'

const info = (r: TransactionRecord): TransactionInfo => ({
  id: r.id,
  connectionId: r.connectionId,
  state: r.state,
  request: r.request,
})

/** The reference agent's transactions/1.0, its ledger DIDs written by the run's trustee. */
export class ReferenceEndorsement implements Endorsement {
  constructor(
    private readonly agent: ReferenceAgent,
    private readonly ledger: Ledger,
    /** The driver this capability belongs to, to make the automatic endorser's from. */
    private readonly driver: () => Driver,
    /** The role whose automatic flow it follows on the connections where it takes that role's job. */
    private readonly automaticIn?: 'author' | 'endorser',
  ) {}

  async ledgerDid(
    role: 'author' | 'endorser',
    _connectionId: string,
    options: { withoutRole?: boolean; withEndpoint?: boolean } = {},
  ) {
    // The key lives in the agent's store, so the posted nym is kept there as the storage design lays out.
    const { key } = await this.agent.wallet.createKey()
    const identity = this.agent.transactions.newIdentity(role, key)
    const ledgerRole = role === 'endorser' && !options.withoutRole ? 'ENDORSER' : undefined
    await this.ledger.registerNym(identity.did, identity.verkey, ledgerRole)
    await this.agent.wallet.keepPostedNym(identity.did, identity.verkey)
    if (options.withEndpoint) await this.agent.transactions.writeOwnEndpoint(role)
    return identity.did
  }

  async setJob(connectionId: string, job: TransactionJob): Promise<void> {
    // The design's read-only admin interface: a role set by configuration is not altered by a call.
    const configured = { author: 'TRANSACTION_AUTHOR', endorser: 'TRANSACTION_ENDORSER' } as const
    if (this.automaticIn && job !== configured[this.automaticIn]) {
      throw new Error(`the ${this.automaticIn} job is this agent's by its configuration: refused to take ${job}`)
    }
    return this.agent.transactions.setJob(connectionId, job, this.automaticIn)
  }

  /**
   * The same agent, its endorsement automatic: the reference agent needs no process of its own for it.
   * Until the scenario ends it takes the role's job on every connection that completes.
   */
  async automatic(role: 'author' | 'endorser', options: AutomaticOptions = {}): Promise<Driver> {
    if (options.promoteWrittenDid) {
      throw new NotOffered(
        "the reference agent does not make a DID its endorser wrote its public DID (ACA-Py's --auto-promote-author-did)",
      )
    }
    if (options.endorserPublicDid) {
      throw new NotOffered(
        "the reference agent is not started knowing its endorser by public DID (ACA-Py's --endorser-public-did): it has no start-up configuration",
      )
    }
    if (options.endorserInvitation) {
      throw new NotOffered(
        "the reference agent is not started with its endorser's invitation (ACA-Py's --endorser-invitation): it has no start-up configuration",
      )
    }
    // As new as the scenario needs: no ledger DID of its own in the role yet.
    if (options.fresh) this.agent.transactions.forgetIdentity(role)
    this.agent.transactions.takeJobOnNewConnections(role)
    const base = this.driver()
    const offered = Object.fromEntries(CAPABILITY_NAMES.filter((c) => base.has(c)).map((c) => [c, base.get(c)]))
    const endorsement = new ReferenceEndorsement(this.agent, this.ledger, this.driver, role)
    return capabilityDriver(base, { ...offered, endorsement })
  }

  async publicDid(): Promise<string | undefined> {
    return this.agent.transactions.ledgerDids().at(-1)
  }

  async endorserConnection(): Promise<string | undefined> {
    return this.agent.connections
      .all()
      .filter((c) => c.alias === ENDORSER_ALIAS && c.state === 'completed')
      .at(-1)?.id
  }

  /** The newest completed connection this agent named by the endorser alias, looked up for each request. */
  private async endorserByAlias(): Promise<string> {
    const id = await this.endorserConnection()
    if (!id) throw new Error(`${this.agent.label} has no connection named "${ENDORSER_ALIAS}"`)
    return id
  }

  async waitForPeerJob(connectionId: string, job: TransactionJob, options: WaitOptions = {}): Promise<void> {
    await this.agent.transactions.theirJobs.waitFor({
      pick: (j) => (j.connectionId === connectionId && j.job === job ? j : undefined),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited: `the peer's job ${job} on connection ${connectionId}`,
    })
  }

  cancel(transactionId: string): Promise<void> {
    return this.agent.transactions.cancel(transactionId)
  }

  resend(transactionId: string): Promise<void> {
    return this.agent.transactions.resend(transactionId)
  }

  async setEndorserInfo(connectionId: string, endorserDid: string, name: string): Promise<void> {
    this.agent.transactions.setEndorserInfo(connectionId, endorserDid, name)
  }

  async requestSchemaEndorsement(
    connectionId: string,
    schema: SchemaDraft,
    options: { expiresTime?: string; namingNoConnection?: boolean } = {},
  ): Promise<TransactionInfo & { schemaId: string }> {
    const connection = options.namingNoConnection ? await this.endorserByAlias() : connectionId
    const { record, schemaId } = await this.agent.transactions.requestSchema(connection, schema, options.expiresTime)
    return { ...info(record), schemaId }
  }

  async requestCredentialDefinitionEndorsement(
    connectionId: string,
    schemaId: string,
    tag: string,
  ): Promise<TransactionInfo & { credentialDefinitionId: string }> {
    const { record, credentialDefinitionId } = await this.agent.transactions.requestCredentialDefinition(
      connectionId,
      schemaId,
      tag,
    )
    return { ...info(record), credentialDefinitionId }
  }

  async requestEndpointEndorsement(connectionId: string, endpoint: string): Promise<TransactionInfo & { did: string }> {
    const { record, did } = await this.agent.transactions.requestEndpoint(connectionId, endpoint)
    return { ...info(record), did }
  }

  async requestDidRegistration(connectionId: string): Promise<TransactionInfo & { did: string; verkey: string }> {
    const { record, did, verkey } = await this.agent.transactions.requestDidRegistration(connectionId)
    return { ...info(record), did, verkey }
  }

  waitForRequest(connectionId: string, about: string, options: WaitOptions = {}): Promise<TransactionInfo> {
    return this.wait(
      (r) => r.role === 'endorser' && r.connectionId === connectionId && r.request.includes(about),
      `a transactions request about ${about} on connection ${connectionId}`,
      options,
    )
  }

  endorse(transactionId: string): Promise<void> {
    return this.agent.transactions.endorse(transactionId)
  }

  refuse(transactionId: string): Promise<void> {
    return this.agent.transactions.refuse(transactionId)
  }

  write(transactionId: string): Promise<void> {
    return this.agent.transactions.write(transactionId)
  }

  async transaction(transactionId: string): Promise<TransactionInfo> {
    return info(this.agent.transactions.get(transactionId))
  }

  waitForState(transactionId: string, state: TransactionState, options: WaitOptions = {}): Promise<TransactionInfo> {
    return this.wait(
      (r) => r.id === transactionId && r.state === state,
      `transaction ${transactionId} ${state}`,
      options,
    )
  }

  private async wait(match: (r: TransactionRecord) => boolean, awaited: string, options: WaitOptions) {
    const record = await this.agent.transactions.changes.waitFor({
      pick: (r) => (match(r) ? r : undefined),
      timeoutMs: options.timeoutMs ?? DEFAULT_WAIT_MS,
      awaited,
      seen: () => this.agent.tap.log.recent(),
    })
    return info(record)
  }
}

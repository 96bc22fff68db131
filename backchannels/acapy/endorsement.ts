import type { Ledger } from '../../agents/indy-pool/resource.js'
import { pollUntil } from '../../common/waitFor.js'
import type { WaitOptions } from '../../contract/connections.js'
import {
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
import type { AdminApi } from './adminApi.js'

/** ACA-Py's transaction record (webhook topic `endorse_transaction`) as the steps see it. */
function info(record: Record<string, unknown>): TransactionInfo {
  return {
    id: String(record.transaction_id),
    connectionId: String(record.connection_id),
    state: record.state as TransactionState,
  }
}

const CREDENTIAL_DEFINITION_TIMEOUT_MS = 120_000

/** The ledger request a record holds, as text (ACA-Py keeps some as objects). */
function requestText(record: Record<string, unknown>): string {
  const attach = (record.messages_attach as Array<{ data?: { json?: unknown } }> | undefined)?.[0]
  const json = attach?.data?.json
  return typeof json === 'string' ? json : JSON.stringify(json ?? null)
}

/** transactions/1.0 through ACA-Py's admin API (`/transactions/…`, ledger routes with `create_transaction_for_endorser`). */
export class AcapyEndorsement implements Endorsement {
  /** The agent's public DID, made by ledgerDid: the issuer of what it authors. */
  private issuerDid?: string

  constructor(
    private readonly api: AdminApi,
    private readonly ledger: Ledger,
    /** An askar-anoncreds wallet takes ledger objects on `/anoncreds/*` and refuses the legacy `/schemas`. */
    private readonly anoncreds: boolean,
    /** The same version started for a role's automatic flow, on first use. */
    readonly automatic: (role: 'author' | 'endorser', options?: AutomaticOptions) => Promise<Driver>,
    /** The role whose automatic flow this instance was started for (its endorser flags). */
    private readonly automaticIn?: 'author' | 'endorser',
  ) {}

  /** A local sov DID, written by the trustee, then made public (ACA-Py then writes its endpoint ATTRIB itself). */
  async ledgerDid(
    role: 'author' | 'endorser',
    connectionId: string,
    options: { withoutRole?: boolean } = {},
  ): Promise<string> {
    const created = await this.api.post(`create a DID for the ${role}`, '/wallet/did/create', {
      method: 'sov',
      options: { key_type: 'ed25519' },
    })
    const { did, verkey } = created.result as { did: string; verkey: string }
    await this.ledger.registerNym(did, verkey, role === 'endorser' && !options.withoutRole ? 'ENDORSER' : undefined)
    // An author by its flags writes nothing itself: its endpoint ATTRIB goes to the endorser of this connection.
    const params = this.automaticIn === 'author' ? { did, conn_id: connectionId } : { did }
    await this.api.post(`make ${did} its public DID`, '/wallet/did/public', undefined, { params })
    this.issuerDid = did
    return did
  }

  async setJob(connectionId: string, job: TransactionJob): Promise<void> {
    await this.api.post(`take the job ${job}`, `/transactions/${connectionId}/set-endorser-role`, undefined, {
      params: { transaction_my_job: job },
    })
  }

  /** ACA-Py emits no event when it records the peer's job: the connection's metadata is polled (bounded). */
  async waitForPeerJob(connectionId: string, job: TransactionJob, options: WaitOptions = {}): Promise<void> {
    let last: unknown
    await pollUntil({
      probe: async () => {
        const answer = await this.api.get('read the connection metadata', `/connections/${connectionId}/metadata`)
        last = (answer.results as Record<string, unknown> | undefined)?.transaction_jobs
        return (last as { transaction_their_job?: unknown } | undefined)?.transaction_their_job === job
          ? true
          : undefined
      },
      timeoutMs: options.timeoutMs ?? this.api.timeoutMs,
      awaited: `connection ${connectionId} at ${this.api.instance} to record the peer's job ${job}`,
      seen: () => `transaction_jobs ${JSON.stringify(last) ?? 'none'}`,
    })
  }

  async setEndorserInfo(connectionId: string, endorserDid: string, name: string): Promise<void> {
    await this.api.post('set the endorser info', `/transactions/${connectionId}/set-endorser-info`, undefined, {
      params: { endorser_did: endorserDid, endorser_name: name },
    })
  }

  async requestSchemaEndorsement(
    connectionId: string,
    schema: SchemaDraft,
    options: { expiresTime?: string; namingNoConnection?: boolean } = {},
  ): Promise<TransactionInfo & { schemaId: string }> {
    // Without a connection named, ACA-Py's author looks its endorser up by --endorser-alias.
    const named = options.namingNoConnection ? undefined : connectionId
    const { txn, schemaId } = this.anoncreds
      ? await this.anoncredsSchema(named, schema)
      : await this.legacySchema(named, schema)
    if (!txn?.transaction_id || typeof schemaId !== 'string') {
      throw new Error(`ACA-Py made no schema transaction for the endorser (schema id ${String(schemaId)})`)
    }
    return { ...(await this.requested(txn, options.expiresTime)), schemaId }
  }

  /** Sends the transaction for endorsement, unless the automatic author (--auto-request-endorsement) has already. */
  private async requested(txn: Record<string, unknown>, expiresTime?: string): Promise<TransactionInfo> {
    if (this.automaticIn === 'author') return info(txn)
    // The route requires an expiry; an hour is far beyond any scenario.
    const expires = expiresTime ?? new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z')
    const sent = await this.api.post(
      'send the endorsement request',
      '/transactions/create-request',
      { expires_time: expires },
      { params: { tran_id: txn.transaction_id } },
    )
    return info(sent)
  }

  async requestCredentialDefinitionEndorsement(
    connectionId: string,
    schemaId: string,
    tag: string,
  ): Promise<TransactionInfo & { credentialDefinitionId: string }> {
    const what = 'create a credential definition transaction for the endorser'
    // Making the CL keys and their correctness proof is seconds of CPU, beyond the bound of a call that only answers.
    const slow = { timeout: CREDENTIAL_DEFINITION_TIMEOUT_MS }
    const answer = this.anoncreds
      ? await this.api.post(
          what,
          '/anoncreds/credential-definition',
          {
            credential_definition: { issuerId: this.issuerDid, schemaId, tag },
            options: {
              create_transaction_for_endorser: true,
              endorser_connection_id: connectionId,
              support_revocation: false,
            },
          },
          slow,
        )
      : await this.api.post(
          what,
          '/credential-definitions',
          { schema_id: schemaId, tag, support_revocation: false },
          { params: { conn_id: connectionId, create_transaction_for_endorser: true }, ...slow },
        )
    const txn = (this.anoncreds ? (answer.registration_metadata as { txn?: unknown } | undefined)?.txn : answer.txn) as
      Record<string, unknown> | undefined
    const id = this.anoncreds
      ? (answer.credential_definition_state as { credential_definition_id?: unknown } | undefined)
          ?.credential_definition_id
      : (answer.sent as { credential_definition_id?: unknown } | undefined)?.credential_definition_id
    if (!txn?.transaction_id || typeof id !== 'string') {
      throw new Error(`ACA-Py made no credential definition transaction for the endorser (id ${String(id)})`)
    }
    return { ...(await this.requested(txn)), credentialDefinitionId: id }
  }

  async requestEndpointEndorsement(connectionId: string, endpoint: string): Promise<TransactionInfo & { did: string }> {
    const did = this.issuerDid ?? (await this.publicDid())
    if (!did) throw new Error(`${this.api.instance} has no public DID to set an endpoint of`)
    const answer = await this.api.post(
      'create the endpoint ATTRIB transaction for the endorser',
      '/wallet/set-did-endpoint',
      { did, endpoint, endpoint_type: 'Endpoint' },
      { params: { conn_id: connectionId, create_transaction_for_endorser: true } },
    )
    const txn = answer.txn as Record<string, unknown> | undefined
    if (!txn?.transaction_id)
      throw new Error(`ACA-Py made no ATTRIB transaction for the endorser: ${JSON.stringify(answer)}`)
    return { ...(await this.requested(txn)), did }
  }

  /**
   * A new local DID, its NYM asked of the endorser with `/ledger/register-nym` and
   * `create_transaction_for_endorser`. ACA-Py asks for write_did only as an author with no public DID
   * and --auto-request-endorsement (ledger/routes.py register_ledger_nym); the manual create-request
   * sends the same record with the goal of an ordinary endorsement, which no endorser can sign.
   */
  async requestDidRegistration(connectionId: string): Promise<TransactionInfo & { did: string; verkey: string }> {
    if (this.automaticIn !== 'author') {
      throw new NotOffered(
        'ACA-Py asks an endorser to write a DID (write_did) only as an author started with --auto-request-endorsement',
      )
    }
    const already = await this.publicDid()
    if (already)
      throw new Error(`${this.api.instance} has the public DID ${already}: write_did is for an author without one`)
    const created = await this.api.post('create a DID for the endorser to write', '/wallet/did/create', {
      method: 'sov',
      options: { key_type: 'ed25519' },
    })
    const { did, verkey } = created.result as { did: string; verkey: string }
    const answer = await this.api.post('ask the endorser to write the NYM', '/ledger/register-nym', undefined, {
      params: { did, verkey, conn_id: connectionId, create_transaction_for_endorser: true },
    })
    const txn = answer.txn as Record<string, unknown> | undefined
    if (!txn?.transaction_id)
      throw new Error(`ACA-Py made no NYM transaction for the endorser: ${JSON.stringify(answer)}`)
    return { ...(await this.requested(txn)), did, verkey }
  }

  async endorserConnection(): Promise<string | undefined> {
    const answer = await this.api.get('list the connections named by the endorser alias', '/connections', {
      params: { alias: ENDORSER_ALIAS, state: 'active' },
    })
    const found = (answer.results as Array<{ connection_id: string; created_at?: string }> | undefined) ?? []
    return found.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at))).at(-1)?.connection_id
  }

  async publicDid(): Promise<string | undefined> {
    const answer = await this.api.get('read its public DID', '/wallet/did/public')
    const did = (answer.result as { did?: unknown } | null | undefined)?.did
    return typeof did === 'string' ? did : undefined
  }

  private async legacySchema(connectionId: string | undefined, schema: SchemaDraft) {
    const answer = await this.api.post(
      'create a schema transaction for the endorser',
      '/schemas',
      { schema_name: schema.name, schema_version: schema.version, attributes: schema.attributes },
      { params: { ...(connectionId ? { conn_id: connectionId } : {}), create_transaction_for_endorser: true } },
    )
    return {
      txn: answer.txn as Record<string, unknown> | undefined,
      schemaId: (answer.sent as { schema_id?: unknown } | undefined)?.schema_id,
    }
  }

  private async anoncredsSchema(connectionId: string | undefined, schema: SchemaDraft) {
    if (!this.issuerDid) throw new Error(`${this.api.instance} has no public DID to author a schema with`)
    const answer = await this.api.post('create a schema transaction for the endorser', '/anoncreds/schema', {
      schema: { issuerId: this.issuerDid, name: schema.name, version: schema.version, attrNames: schema.attributes },
      options: {
        create_transaction_for_endorser: true,
        ...(connectionId ? { endorser_connection_id: connectionId } : {}),
      },
    })
    return {
      txn: (answer.registration_metadata as { txn?: Record<string, unknown> } | undefined)?.txn,
      schemaId: (answer.schema_state as { schema_id?: unknown } | undefined)?.schema_id,
    }
  }

  async waitForRequest(connectionId: string, about: string, options: WaitOptions = {}): Promise<TransactionInfo> {
    const record = await this.api.waitForWebhook(
      'endorse_transaction',
      (p) => p.connection_id === connectionId && p.state === 'request_received' && requestText(p).includes(about),
      `a transactions request about ${about} on connection ${connectionId} at ${this.api.instance}`,
      options,
    )
    return info(record)
  }

  async cancel(transactionId: string): Promise<void> {
    await this.api.post('cancel the request', `/transactions/${transactionId}/cancel`)
  }

  async resend(transactionId: string): Promise<void> {
    await this.api.post('resend the request', `/transactions/${transactionId}/resend`)
  }

  async endorse(transactionId: string): Promise<void> {
    await this.api.post('endorse the transaction', `/transactions/${transactionId}/endorse`)
  }

  async refuse(transactionId: string): Promise<void> {
    await this.api.post('refuse the transaction', `/transactions/${transactionId}/refuse`)
  }

  async write(transactionId: string): Promise<void> {
    await this.api.post('write the endorsed transaction', `/transactions/${transactionId}/write`)
  }

  async transaction(transactionId: string): Promise<TransactionInfo> {
    return info(await this.api.get(`read transaction ${transactionId}`, `/transactions/${transactionId}`))
  }

  async waitForState(
    transactionId: string,
    state: TransactionState,
    options: WaitOptions = {},
  ): Promise<TransactionInfo> {
    const record = await this.api.waitForWebhook(
      'endorse_transaction',
      (p) => p.transaction_id === transactionId && p.state === state,
      `transaction ${transactionId} ${state} at ${this.api.instance}`,
      options,
    )
    return info(record)
  }
}

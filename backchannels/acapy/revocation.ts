import type { WaitOptions } from '../../contract/connections.js'
import { DIDEXCHANGE_1_1 } from '../../didcomm/messageType.js'
import type { Connections, Driver, IssuedCredential, Revocation } from '../capabilities.js'
import type { AdminApi } from './adminApi.js'

/** Making the CL keys of a revocable definition takes seconds of CPU, beyond the bound of a call that only answers. */
const CREDENTIAL_DEFINITION_TIMEOUT_MS = 120_000

/**
 * Revocation through ACA-Py's admin API, as an author: the legacy routes of an askar wallet
 * (`/credential-definitions`, `/revocation/*`) or the `/anoncreds/*` routes of an askar-anoncreds one.
 */
export class AcapyRevocation implements Revocation {
  /** This issuer's connection to its holder, made on the first issue. */
  private holderConnection?: Promise<string>

  constructor(
    private readonly api: AdminApi,
    private readonly anoncreds: boolean,
    private readonly connections: Connections,
    /** A plain instance of the same version that accepts every offer and stores the credential. */
    private readonly holder: () => Promise<Driver>,
  ) {}

  private get base(): string {
    return this.anoncreds ? '/anoncreds/revocation' : '/revocation'
  }

  /** The credential format of the wallet type: an askar-anoncreds issuer refuses the indy one. */
  private get format(): 'anoncreds' | 'indy' {
    return this.anoncreds ? 'anoncreds' : 'indy'
  }

  async createRevocableCredentialDefinition(
    connectionId: string,
    schemaId: string,
    tag: string,
    registrySize: number,
  ): Promise<{ credentialDefinitionId: string }> {
    const what = 'create a revocable credential definition'
    const slow = { timeout: CREDENTIAL_DEFINITION_TIMEOUT_MS }
    if (this.anoncreds) {
      const issuerId = await this.publicDid()
      const answer = await this.api.post(
        what,
        '/anoncreds/credential-definition',
        {
          credential_definition: { issuerId, schemaId, tag },
          options: {
            create_transaction_for_endorser: true,
            endorser_connection_id: connectionId,
            support_revocation: true,
            revocation_registry_size: registrySize,
          },
        },
        slow,
      )
      const state = answer.credential_definition_state as { credential_definition_id?: unknown } | undefined
      return { credentialDefinitionId: this.named(state?.credential_definition_id, answer) }
    }
    const answer = await this.api.post(
      what,
      '/credential-definitions',
      { schema_id: schemaId, tag, support_revocation: true, revocation_registry_size: registrySize },
      { params: { conn_id: connectionId, create_transaction_for_endorser: true }, ...slow },
    )
    const sent = answer.sent as { credential_definition_id?: unknown } | undefined
    return { credentialDefinitionId: this.named(sent?.credential_definition_id, answer) }
  }

  async registries(credentialDefinitionId: string): Promise<Array<{ id: string; state: string }>> {
    const base = this.base
    const listed = await this.api.get(
      'list its revocation registries',
      this.anoncreds ? `${base}/registries` : `${base}/registries/created`,
      { params: { cred_def_id: credentialDefinitionId } },
    )
    const ids = (listed.rev_reg_ids as string[] | undefined) ?? []
    return Promise.all(
      ids.map(async (id) => {
        const answer = await this.api.get(
          `read revocation registry ${id}`,
          `${base}/registry/${encodeURIComponent(id)}`,
        )
        return { id, state: String((answer.result as { state?: unknown } | undefined)?.state) }
      }),
    )
  }

  async activeRegistry(credentialDefinitionId: string): Promise<string | undefined> {
    // No active registry (yet) is a 404 with the reason: an answer, not an error.
    const answer = await this.api.get(
      'read its active revocation registry',
      `${this.base}/active-registry/${encodeURIComponent(credentialDefinitionId)}`,
      { validateStatus: (status) => status < 300 || status === 404 },
    )
    const id = (answer.result as { revoc_reg_id?: unknown } | undefined)?.revoc_reg_id
    return typeof id === 'string' ? id : undefined
  }

  async issue(
    credentialDefinitionId: string,
    attributes: Record<string, string>,
    options: WaitOptions = {},
  ): Promise<IssuedCredential> {
    const connectionId = await (this.holderConnection ??= this.connectHolder(options).catch((e: unknown) => {
      this.holderConnection = undefined
      throw e
    }))
    const sent = await this.api.post('offer a credential to the holder', '/issue-credential-2.0/send', {
      connection_id: connectionId,
      // Kept once done: its revocation details are read from it.
      auto_remove: false,
      credential_preview: {
        '@type': 'issue-credential/2.0/credential-preview',
        attributes: Object.entries(attributes).map(([name, value]) => ({ name, value })),
      },
      filter: { [this.format]: { cred_def_id: credentialDefinitionId } },
    })
    const exchange = String(sent.cred_ex_id)
    const ended = await this.api.waitForWebhook(
      'issue_credential_v2_0',
      (p) => p.cred_ex_id === exchange && (p.state === 'done' || p.state === 'abandoned'),
      `credential exchange ${exchange} at ${this.api.instance} to be done`,
      options,
    )
    if (ended.state === 'abandoned') {
      throw new Error(`the credential exchange was abandoned: ${String(ended.error_msg ?? 'no reason given')}`)
    }
    const record = await this.api.get(
      `read credential exchange ${exchange}`,
      `/issue-credential-2.0/records/${exchange}`,
    )
    const detail = record[this.format] as { rev_reg_id?: unknown; cred_rev_id?: unknown } | null | undefined
    if (typeof detail?.rev_reg_id !== 'string' || detail.cred_rev_id == null) {
      throw new Error(`the issued credential has no revocation registry and index: ${JSON.stringify(detail)}`)
    }
    return { registryId: detail.rev_reg_id, index: Number(detail.cred_rev_id) }
  }

  async revoke(credential: IssuedCredential, publish: boolean): Promise<void> {
    await this.api.post('revoke the credential', `${this.base}/revoke`, {
      rev_reg_id: credential.registryId,
      cred_rev_id: String(credential.index),
      publish,
    })
  }

  async publishRevocations(): Promise<void> {
    await this.api.post('publish its pending revocations', `${this.base}/publish-revocations`, {})
  }

  /** A connection from this issuer to its holder, the holder accepting this issuer's invitation. */
  private async connectHolder(options: WaitOptions): Promise<string> {
    const holder = await this.holder()
    const invitation = await this.connections.createInvitation({ handshakeProtocols: [DIDEXCHANGE_1_1] })
    await holder.get('connections').receiveInvitation(invitation.url)
    const connection = await this.connections.waitForConnectionFromInvitation(invitation.invitationId, options)
    await this.connections.waitForConnectionState(connection, 'completed', options)
    return connection
  }

  private named(id: unknown, answer: Record<string, unknown>): string {
    if (typeof id !== 'string') throw new Error(`ACA-Py named no credential definition: ${JSON.stringify(answer)}`)
    return id
  }

  private async publicDid(): Promise<string> {
    const answer = await this.api.get('read its public DID', '/wallet/did/public')
    const did = (answer.result as { did?: unknown } | null | undefined)?.did
    if (typeof did !== 'string') throw new Error(`${this.api.instance} has no public DID to issue with`)
    return did
  }
}

import type { Revocation } from '../capabilities.js'
import type { AdminApi } from './adminApi.js'

/** Making the CL keys of a revocable definition takes seconds of CPU, beyond the bound of a call that only answers. */
const CREDENTIAL_DEFINITION_TIMEOUT_MS = 120_000

/**
 * Revocation through ACA-Py's admin API, as an author: the legacy routes of an askar wallet
 * (`/credential-definitions`, `/revocation/*`) or the `/anoncreds/*` routes of an askar-anoncreds one.
 */
export class AcapyRevocation implements Revocation {
  constructor(
    private readonly api: AdminApi,
    private readonly anoncreds: boolean,
  ) {}

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
    const base = this.anoncreds ? '/anoncreds/revocation' : '/revocation'
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

/**
 * The Indy pool as a run's resource: its genesis for every agent that needs a ledger, the trustee that
 * writes the NYMs a scenario needs (an endorser with the ENDORSER role, an author with none), and the
 * harness's own client for reading back what agents say they wrote.
 */
import { readFile } from 'node:fs/promises'
import { CustomRequest } from '@hyperledger/indy-vdr-nodejs'
import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import { pollUntil } from '../../common/waitFor.js'
import type { LedgerEvent } from '../../contract/evidence.js'
import { getTransaction, LedgerClient, LedgerIdentity, type LedgerTransaction, type NymRole } from './ledgerClient.js'
import { TRUSTEE_SEED } from './pool.js'

export class Ledger {
  private readonly trustee = LedgerIdentity.fromSeed(TRUSTEE_SEED)
  /** Every write and read-back of the harness's own, for the ledger lane of a failure's evidence. */
  readonly events: LedgerEvent[] = []

  private constructor(
    /** The pool's genesis transactions, as a file (ACA-Py's --genesis-file) and as text (indy-vdr). */
    readonly genesisPath: string,
    readonly genesis: string,
    /** The harness's own client; agents open their own. */
    readonly client: LedgerClient,
  ) {}

  static async open(genesisPath: string): Promise<Ledger> {
    const genesis = await readFile(genesisPath, 'utf8')
    return new Ledger(genesisPath, genesis, await LedgerClient.open(genesis))
  }

  /**
   * Writes a NYM for `did` through the trustee, with `role` or none, and waits until every node answers
   * it: an agent given the DID next reads it from whichever node it asks.
   */
  async registerNym(did: string, verkey: string, role?: NymRole): Promise<void> {
    const written = await this.client.writeNym({ submitter: this.trustee, did, verkey, ...(role ? { role } : {}) })
    this.note('write', 'NYM', did, { role: role ?? null, seqNo: written.seqNo, by: 'trustee' })
    await this.client.nymOnEveryNode(did)
    await this.nym(did)
  }

  /** The transaction at `seqNo`, read back from the pool. */
  async transaction(seqNo: number): Promise<LedgerTransaction> {
    const txn = await this.readBack(() => getTransaction(this.client, seqNo), `transaction ${seqNo}`)
    return this.note('read', 'GET_TXN', String(seqNo), txn)
  }

  /**
   * The domain transactions the pool answers from `seqNo` on, in order, up to the first it does not
   * answer yet (the end of the ledger, or a node still applying a batch): for finding writes whose
   * ids the harness cannot know in advance. Not noted: the caller reads back those it keeps.
   */
  async transactionsFrom(seqNo: number): Promise<LedgerTransaction[]> {
    const found: LedgerTransaction[] = []
    for (let n = seqNo; ; n++) {
      const txn = await getTransaction(this.client, n)
      if (!txn) return found
      found.push(txn)
    }
  }

  /** The schema, read back once it is on the pool (bounded). */
  async schema(schemaId: string, timeoutMs?: number) {
    const schema = await this.readBack(() => this.client.getSchema(schemaId), `schema ${schemaId}`, timeoutMs)
    return this.note('read', 'GET_SCHEMA', schemaId, schema)
  }

  /** The NYM of a DID, read back once it is on the pool (bounded). */
  async nym(did: string, timeoutMs?: number) {
    return this.note(
      'read',
      'GET_NYM',
      did,
      await this.readBack(() => this.client.getNym(did), `the NYM of ${did}`, timeoutMs),
    )
  }

  /** The raw attribute `name` of `did` (its `endpoint`), read back once it is on the pool with a value `accept` takes (bounded). */
  async attrib(did: string, name: string, timeoutMs?: number, accept: (value: unknown) => boolean = () => true) {
    const found = await this.readBack(
      async () => {
        const attrib = await this.client.getAttrib(did, name)
        return attrib && accept(attrib.value) ? attrib : null
      },
      `the ${name} ATTRIB of ${did}`,
      timeoutMs,
    )
    return this.note('read', 'GET_ATTR', `${did} ${name}`, found)
  }

  /** The credential definition, read back once it is on the pool (bounded). */
  async credentialDefinition(id: string, timeoutMs?: number) {
    const found = await this.readBack(
      () => this.client.getCredentialDefinition(id),
      `credential definition ${id}`,
      timeoutMs,
    )
    return this.note('read', 'GET_CLAIM_DEF', id, found)
  }

  /** The revocation registry definition, read back once it is on the pool (bounded). */
  async revocationRegistryDefinition(id: string, timeoutMs?: number) {
    const found = await this.readBack(
      () => this.client.getRevocationRegistryDefinition(id),
      `revocation registry definition ${id}`,
      timeoutMs,
    )
    return this.note('read', 'GET_REVOC_REG_DEF', id, found)
  }

  /** The schema as the pool has it now, or null: for what must not have been written. */
  async schemaNow(schemaId: string) {
    return this.note('read', 'GET_SCHEMA', schemaId, await this.client.getSchema(schemaId))
  }

  private note<T>(direction: LedgerEvent['direction'], op: string, subject: string, result: T): T {
    this.events.push({ time: new Date().toISOString(), direction, op, subject, result: result ?? null })
    return result
  }

  /**
   * A write is confirmed by f+1 = 2 nodes; a read goes to any two and one verified state proof settles
   * it, so a node still applying the batch can answer "not found" just after the write. Nothing
   * announces that every node has applied it, hence a bounded poll.
   */
  readBack<T>(read: () => Promise<T | null>, what: string, timeoutMs = 10_000): Promise<T> {
    return pollUntil({ probe: async () => (await read()) ?? undefined, timeoutMs, awaited: `${what} to read back` })
  }

  /**
   * What an Indy write request (as text) says and who really signed it: each signature is checked
   * against the signer's verkey as the pool holds it, over indy-vdr's signature input of the request.
   * The reqId is read from the text, since it exceeds 2^53.
   */
  async requestFacts(text: string): Promise<RequestFacts> {
    const parsed = JSON.parse(text) as {
      identifier?: string
      endorser?: string
      operation?: Record<string, unknown>
      signature?: string
      signatures?: Record<string, string>
    }
    const input = Buffer.from(new CustomRequest({ customRequest: text }).signatureInput, 'utf8')
    const given = {
      ...(parsed.signature && parsed.identifier ? { [parsed.identifier]: parsed.signature } : {}),
      ...parsed.signatures,
    }
    const signatures: Record<string, boolean> = {}
    for (const [did, signature] of Object.entries(given)) {
      const nym = await this.client.getNym(did)
      signatures[did] = nym?.verkey ? verifies(did, nym.verkey, input, signature) : false
    }
    return {
      identifier: parsed.identifier,
      endorser: parsed.endorser,
      reqId: /"reqId"\s*:\s*(\d+)/.exec(text)?.[1],
      operation: parsed.operation ?? {},
      signatures,
    }
  }

  close(): Promise<void> {
    return this.client.close()
  }
}

/** An Indy write request as the ledger would judge it. */
export interface RequestFacts {
  identifier: string | undefined
  endorser: string | undefined
  /** As written in the request, digit for digit. */
  reqId: string | undefined
  operation: Record<string, unknown>
  /** Signer DID → whether its signature verifies with the verkey its NYM holds. */
  signatures: Record<string, boolean>
}

/** A NYM's verkey may be abbreviated: `~` and the key's last 16 bytes, the DID being its first 16. */
function verifies(did: string, verkey: string, message: Buffer, signature: string): boolean {
  try {
    const publicKey = verkey.startsWith('~')
      ? Buffer.concat([bs58.decode(did), bs58.decode(verkey.slice(1))])
      : bs58.decode(verkey)
    const key = Key.fromPublicBytes({ algorithm: KeyAlgorithm.Ed25519, publicKey })
    return key.verifySignature({ message, signature: bs58.decode(signature) })
  } catch {
    return false
  }
}

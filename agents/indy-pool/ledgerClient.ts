/**
 * The harness's own Indy ledger client: indy-vdr (the client ACA-Py and Credo use) for the pool protocol
 * and request building, Askar for the Ed25519 signatures. Enough to register DIDs (NYM, with a role),
 * write what an author or an endorser writes, and read NYM, SCHEMA, CLAIM_DEF and REVOC_REG_DEF back.
 */
import { setImmediate } from 'node:timers/promises'
import {
  AttribRequest,
  CredentialDefinitionRequest,
  GetAttribRequest,
  GetCredentialDefinitionRequest,
  GetNymRequest,
  GetRevocationRegistryDefinitionRequest,
  GetSchemaRequest,
  GetTransactionRequest,
  IndyVdrError,
  NymRequest,
  PoolCreate,
  SchemaRequest,
  type IndyVdrPool,
  type IndyVdrRequest,
} from '@hyperledger/indy-vdr-nodejs'
import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import { pollUntil } from '../../common/waitFor.js'
import { ensureIndyVdrLibrary } from './vdrLibrary.js'

export type NymRole = 'TRUSTEE' | 'STEWARD' | 'ENDORSER' | 'NETWORK_MONITOR'

/** The role codes a NYM carries on the ledger. */
export const ROLE_CODES: Record<NymRole, string> = {
  TRUSTEE: '0',
  STEWARD: '2',
  ENDORSER: '101',
  NETWORK_MONITOR: '201',
}

/** An Ed25519 key and the did:sov-style DID derived from it (the first 16 bytes of the verkey, base58). */
export class LedgerIdentity {
  readonly did: string
  readonly verkey: string

  private constructor(private readonly key: Key) {
    this.verkey = bs58.encode(key.publicBytes)
    this.did = bs58.encode(key.publicBytes.slice(0, 16))
  }

  /**
   * Indy's seeds (ACA-Py's --seed, the pool's Trustee1) are the Ed25519 secret seed itself: 32 bytes, or a
   * 32-character string. Askar's Key.fromSeed derives a different key from a seed, so the seed goes in as
   * the secret bytes.
   */
  static fromSeed(seed: string | Uint8Array): LedgerIdentity {
    const secretKey = typeof seed === 'string' ? Buffer.from(seed, 'utf8') : seed
    if (secretKey.length !== 32) throw new Error(`an Indy seed is 32 bytes, this one is ${secretKey.length}`)
    return new LedgerIdentity(Key.fromSecretBytes({ algorithm: KeyAlgorithm.Ed25519, secretKey }))
  }

  static generate(): LedgerIdentity {
    return new LedgerIdentity(Key.generate(KeyAlgorithm.Ed25519))
  }

  /** The Indy DID of an Ed25519 key an agent already holds (in its store). */
  static fromKey(key: Key): LedgerIdentity {
    return new LedgerIdentity(key)
  }

  /** The signature over the request's signature input (indy's canonical serialisation of its fields). */
  signatureFor(request: IndyVdrRequest): Uint8Array {
    return this.key.signMessage({ message: Buffer.from(request.signatureInput, 'utf8') })
  }

  /** Signs as the request's only signer. */
  sign<R extends IndyVdrRequest>(request: R): R {
    request.setSignature({ signature: this.signatureFor(request) })
    return request
  }
}

/** A request the pool refused: REQNACK (static or signature checks) or REJECT (authorisation, state). */
export class LedgerRequestRefused extends Error {
  constructor(
    readonly op: string,
    readonly reason: string,
  ) {
    super(`ledger ${op}: ${reason}`)
  }
}

export interface NymRecord {
  did: string
  /** Full or abbreviated (`~` + the last 16 bytes) verkey, as written. */
  verkey: string | null
  /** The role code (`'0'` trustee, `'2'` steward, `'101'` endorser), or null for none. */
  role: string | null
  seqNo: number
}

export interface WriteResult {
  seqNo: number
  txnId: string
  txnTime: number
  /** `txn.metadata`: `from`, `endorser` when endorsed, `reqId`, digests. */
  metadata: Record<string, unknown>
  /** The DIDs whose signatures the ledger recorded. */
  signers: string[]
}

interface WriteReplyResult {
  txn: { metadata: Record<string, unknown> }
  txnMetadata: { seqNo: number; txnId: string; txnTime: number }
  reqSignature: { values?: { from: string }[] }
}

/**
 * indy-vdr resolves a submission from its pool thread through an ffi callback, and that thread waits
 * until the callback returns; promise continuations run before it does. Code continuing there that calls
 * close() joins that very thread and deadlocks, so every submission returns only after the callback has.
 */
const leaveCallback = () => setImmediate()

export class LedgerClient {
  private readonly pending = new Set<Promise<unknown>>()

  private constructor(private readonly pool: IndyVdrPool) {}

  /** Opens a pool from its genesis transactions (the file's text); nothing is sent before the first request. */
  static async open(genesis: string): Promise<LedgerClient> {
    await ensureIndyVdrLibrary()
    return new LedgerClient(new PoolCreate({ parameters: { transactions: genesis } }))
  }

  /** Closes the pool once every submission has settled (closing joins the thread that answers them). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending])
    await leaveCallback()
    this.pool.close()
  }

  /**
   * Submits a request (indy-vdr takes it over: it is freed once submitted) and returns the reply's `result`;
   * a REQNACK or REJECT becomes LedgerRequestRefused.
   */
  async submit(request: IndyVdrRequest): Promise<Record<string, unknown>> {
    const submitted = this.pool.submitRequest(request)
    this.pending.add(submitted)
    try {
      const reply = (await submitted) as { result: Record<string, unknown> }
      return reply.result
    } catch (e) {
      if (e instanceof IndyVdrError && e.extra) {
        let refusal: { op?: string; reason?: string } | undefined
        try {
          refusal = JSON.parse(e.extra) as { op?: string; reason?: string }
        } catch {
          // Not a node's reply: rethrown as it is.
        }
        if (refusal?.op && refusal.reason !== undefined) throw new LedgerRequestRefused(refusal.op, refusal.reason)
      }
      throw e
    } finally {
      await leaveCallback()
      this.pending.delete(submitted)
    }
  }

  async write(request: IndyVdrRequest): Promise<WriteResult> {
    const result = (await this.submit(request)) as unknown as WriteReplyResult
    return {
      seqNo: result.txnMetadata.seqNo,
      txnId: result.txnMetadata.txnId,
      txnTime: result.txnMetadata.txnTime,
      metadata: result.txn.metadata,
      signers: (result.reqSignature.values ?? []).map((v) => v.from),
    }
  }

  /** A NYM written by `submitter` (a trustee, a steward, or an endorser for role-less DIDs). */
  writeNym(opts: { submitter: LedgerIdentity; did: string; verkey: string; role?: NymRole }): Promise<WriteResult> {
    const request = new NymRequest({
      submitterDid: opts.submitter.did,
      dest: opts.did,
      verkey: opts.verkey,
      ...(opts.role ? { role: opts.role } : {}),
    })
    return this.write(opts.submitter.sign(request))
  }

  /**
   * Waits (bounded) until every node of the pool answers the NYM of `did`. A write is final once a
   * quorum has it, and a read goes to any node, so a DID handed to an agent right after its write can
   * be "not found" where the agent asks: whoever hands one over waits for this first.
   */
  async nymOnEveryNode(did: string, timeoutMs = 10_000): Promise<void> {
    let missing: string[] = []
    await pollUntil({
      probe: async () => ((missing = await this.nodesWithoutNym(did)).length === 0 ? true : undefined),
      timeoutMs,
      awaited: `the NYM of ${did} on every node`,
      seen: () => `not yet on ${missing.join(', ')}`,
    })
  }

  /** The nodes that do not (yet) answer the NYM of `did`; a reply that cannot be read counts as not yet. */
  async nodesWithoutNym(did: string): Promise<string[]> {
    const { nodes } = await this.pool.status
    // The action's timeout is in seconds; without one, no node's reply is waited for.
    const submitted = this.pool.submitAction(new GetNymRequest({ dest: did }), { nodes, timeout: 10 })
    this.pending.add(submitted)
    try {
      const replies = (await submitted) as unknown as Record<string, unknown>
      return nodes.filter((node) => {
        try {
          const reply = replies[node]
          const parsed = (typeof reply === 'string' ? JSON.parse(reply) : reply) as { result?: { data?: unknown } }
          return typeof parsed?.result?.data !== 'string'
        } catch {
          return true
        }
      })
    } finally {
      await leaveCallback()
      this.pending.delete(submitted)
    }
  }

  async getNym(did: string): Promise<NymRecord | null> {
    const result = await this.submit(new GetNymRequest({ dest: did }))
    if (typeof result.data !== 'string') return null
    const data = JSON.parse(result.data) as { dest: string; verkey: string | null; role: string | null; seqNo: number }
    return { did: data.dest, verkey: data.verkey, role: data.role, seqNo: data.seqNo }
  }

  /** The value of the raw attribute `name` of `did` (an ATTRIB, e.g. the agent's `endpoint`), or null. */
  async getAttribute(did: string, name: string): Promise<unknown> {
    return (await this.getAttrib(did, name))?.value ?? null
  }

  /** The raw attribute `name` of `did` with the seqNo of the ATTRIB that last wrote it, or null. */
  async getAttrib(did: string, name: string): Promise<{ value: unknown; seqNo: number } | null> {
    const result = await this.submit(new GetAttribRequest({ targetDid: did, raw: name }))
    if (typeof result.data !== 'string' || typeof result.seqNo !== 'number') return null
    return { value: (JSON.parse(result.data) as Record<string, unknown>)[name], seqNo: result.seqNo }
  }

  /** The schema `<did>:2:<name>:<version>`, or null. */
  async getSchema(
    schemaId: string,
  ): Promise<{ name: string; version: string; attrNames: string[]; seqNo: number; from: string } | null> {
    const result = await this.submit(new GetSchemaRequest({ schemaId }))
    const data = result.data as { name: string; version: string; attr_names?: string[] } | null
    if (!data?.attr_names || typeof result.seqNo !== 'number') return null
    return {
      name: data.name,
      version: data.version,
      attrNames: data.attr_names,
      seqNo: result.seqNo,
      from: result.dest as string,
    }
  }

  /** The credential definition `<did>:3:CL:<schema seqNo>:<tag>`, or null. */
  async getCredentialDefinition(credentialDefinitionId: string): Promise<{
    schemaSeqNo: number
    tag: string
    origin: string
    value: Record<string, unknown>
    seqNo: number
  } | null> {
    const result = await this.submit(new GetCredentialDefinitionRequest({ credentialDefinitionId }))
    if (!result.data || typeof result.seqNo !== 'number') return null
    return {
      schemaSeqNo: result.ref as number,
      tag: result.tag as string,
      origin: result.origin as string,
      value: result.data as Record<string, unknown>,
      seqNo: result.seqNo,
    }
  }

  /** The revocation registry definition `<did>:4:<cred def id>:CL_ACCUM:<tag>`, or null. */
  async getRevocationRegistryDefinition(revocationRegistryId: string): Promise<RevocationRegistryDefinition | null> {
    const result = await this.submit(new GetRevocationRegistryDefinitionRequest({ revocationRegistryId }))
    const data = result.data as Omit<RevocationRegistryDefinition, 'seqNo' | 'txnTime'> | null
    if (!data?.value || typeof result.seqNo !== 'number') return null
    return {
      id: data.id,
      credDefId: data.credDefId,
      revocDefType: data.revocDefType,
      tag: data.tag,
      value: data.value,
      seqNo: result.seqNo,
      txnTime: result.txnTime as number,
    }
  }
}

/** A REVOC_REG_DEF as the ledger holds it: what a holder needs to find and trust the registry's tails file. */
export interface RevocationRegistryDefinition {
  id: string
  credDefId: string
  revocDefType: string
  tag: string
  value: {
    issuanceType: string
    maxCredNum: number
    /** base58 of the SHA-256 of the tails file. */
    tailsHash: string
    /** Where holders download the tails file. */
    tailsLocation: string
    publicKeys: Record<string, unknown>
  }
  seqNo: number
  txnTime: number
}

/** A transaction as the domain ledger holds it: who wrote it, who endorsed it, who signed it, what it says. */
export interface LedgerTransaction {
  seqNo: number
  /** The txn type: '1' NYM, '100' ATTRIB, '101' SCHEMA, '102' CLAIM_DEF, … */
  type: string
  /** `txn.metadata.from`: the author's DID. */
  from: string
  /** `txn.metadata.endorser`, present when the write was endorsed. */
  endorser?: string
  /** The DIDs whose signatures the ledger recorded with it. */
  signers: string[]
  data: Record<string, unknown>
}

/** GET_TXN on the domain ledger, as the harness reads back what an agent says it wrote. */
export async function getTransaction(client: LedgerClient, seqNo: number): Promise<LedgerTransaction | null> {
  const result = await client.submit(new GetTransactionRequest({ ledgerType: 1, seqNo }))
  const data = result.data as {
    txn: { type: string; data: Record<string, unknown>; metadata: { from?: string; endorser?: string } }
    reqSignature: { values?: { from: string }[] }
  } | null
  if (!data?.txn) return null
  return {
    seqNo,
    type: data.txn.type,
    from: data.txn.metadata.from ?? '',
    ...(data.txn.metadata.endorser ? { endorser: data.txn.metadata.endorser } : {}),
    signers: (data.reqSignature.values ?? []).map((v) => v.from),
    data: data.txn.data,
  }
}

/** An unsigned ATTRIB request from `authorDid` setting the DIDComm endpoint of its own DID. */
export function endpointRequest(opts: { authorDid: string; endpoint: string }): AttribRequest {
  return new AttribRequest({
    submitterDid: opts.authorDid,
    targetDid: opts.authorDid,
    raw: JSON.stringify({ endpoint: { endpoint: opts.endpoint } }),
  })
}

/** An unsigned SCHEMA request from `authorDid`. */
export function schemaRequest(opts: {
  authorDid: string
  name: string
  version: string
  attrNames: string[]
}): SchemaRequest {
  return new SchemaRequest({
    submitterDid: opts.authorDid,
    schema: {
      id: `${opts.authorDid}:2:${opts.name}:${opts.version}`,
      name: opts.name,
      version: opts.version,
      attrNames: opts.attrNames,
      ver: '1.0',
    },
  })
}

/** An unsigned CLAIM_DEF request from `authorDid` for the schema written at `schemaSeqNo`. */
export function credentialDefinitionRequest(opts: {
  authorDid: string
  schemaSeqNo: number
  tag: string
  value: { primary: Record<string, unknown>; revocation?: unknown }
}): CredentialDefinitionRequest {
  return new CredentialDefinitionRequest({
    submitterDid: opts.authorDid,
    credentialDefinition: {
      ver: '1.0',
      id: `${opts.authorDid}:3:CL:${opts.schemaSeqNo}:${opts.tag}`,
      schemaId: String(opts.schemaSeqNo),
      type: 'CL',
      tag: opts.tag,
      value: opts.value,
    },
  })
}

/**
 * Makes a request endorsed, as a transaction author does with an endorser (RFC 0586): it names the
 * endorser and carries the author's and the endorser's signatures. Both sign the request with the
 * endorser field set; either may be left out, to see the ledger refuse it.
 */
export function endorse<R extends IndyVdrRequest>(
  request: R,
  opts: { author?: LedgerIdentity; endorser: LedgerIdentity; endorserSigns?: boolean },
): R {
  request.setEndorser({ endorser: opts.endorser.did })
  const signers = [opts.author, opts.endorserSigns === false ? undefined : opts.endorser]
  for (const signer of signers) {
    if (signer) request.setMultiSignature({ identifier: signer.did, signature: signer.signatureFor(request) })
  }
  return request
}

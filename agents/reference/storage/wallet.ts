import { Key, KeyAlgorithm, Store, type Session } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import type { StoreAccess } from '../../../contract/storeSnapshot.js'
import { publicKeyToMultikey } from '../../../didcomm/multikey.js'
import { provisionRawStore, sqliteUri } from '../../../common/askarStore.js'

/**
 * The reference agent's Askar store: one SQLite file per agent with a RAW key, holding DIDs and keys
 * in the `did` / `key` model of the "DID Management: Updates to DID and Key Storage" design:
 *  - `did` records named by the qualified DID, value `{method, metadata}`, tag `method`;
 *  - keys named by multikey while unbound, by verification method id once bound (tags `did`, `rel`),
 *    and by base58 verkey for DIDComm v1 use (tag `did`).
 * Keys are also kept in memory: unpacking looks a key up per message and an FFI round trip per
 * lookup would dominate the cost of a trust ping.
 */
export interface DidRecordValue {
  method: string
  metadata: Record<string, unknown>
}

export class AgentWallet {
  private readonly keys = new Map<string, Key>()

  private constructor(
    private store: Store,
    /** Where the store is and its key, for the harness to open it a second time and read it. */
    readonly access: StoreAccess,
  ) {}

  static async open(sqlitePath: string): Promise<AgentWallet> {
    const { store, access } = await provisionRawStore(sqlitePath)
    return new AgentWallet(store, access)
  }

  async close(): Promise<void> {
    for (const key of new Set(this.keys.values())) key.handle.free()
    this.keys.clear()
    await this.store.close()
  }

  /** Closes the store, runs `work` on its file (a migration), and opens it again; keys in memory stay. */
  async whileClosed(work: () => Promise<void>): Promise<void> {
    await this.store.close()
    try {
      await work()
    } finally {
      this.store = await Store.open({ uri: sqliteUri(this.access.sqlitePath), passKey: this.access.passKey })
    }
  }

  /**
   * A fresh key and an unqualified DID for it in the layout ACA-Py 0.12.8 writes (a key named by verkey
   * with no tags; a `did` record `{did, method: sov, verkey, verkey_type, metadata}` named by the nym):
   * the layout the design's migration starts from.
   */
  async createLegacyDid(): Promise<{ did: string; verkey: string }> {
    const key = Key.generate(KeyAlgorithm.Ed25519)
    const verkey = bs58.encode(key.publicBytes)
    const did = bs58.encode(key.publicBytes.subarray(0, 16))
    const value = { did, method: 'sov', verkey, verkey_type: 'ed25519', metadata: {} }
    const session = await this.store.transaction().open()
    try {
      await session.insertKey({ name: verkey, key, metadata: '{}' })
      await session.insert({
        category: 'did',
        name: did,
        value: JSON.stringify(value),
        tags: { method: 'sov', verkey, verkey_type: 'ed25519' },
      })
      await session.commit()
    } catch (e) {
      await session.rollback()
      throw e
    }
    this.keys.set(verkey, key)
    return { did, verkey }
  }

  /** A new Ed25519 key, stored unbound under its multikey name. */
  async createKey(): Promise<{ verkey: string; multikey: string; key: Key }> {
    const key = Key.generate(KeyAlgorithm.Ed25519)
    const verkey = bs58.encode(key.publicBytes)
    const multikey = publicKeyToMultikey(key.publicBytes)
    await this.withSession((s) => s.insertKey({ name: multikey, key, tags: { alias: [] } }))
    this.keys.set(verkey, key)
    return { verkey, multikey, key }
  }

  /**
   * Binds a key to a DID: the bound record (named by verification method id), the DIDComm v1 record
   * (named by verkey) and the `did` record, in one transaction. The unbound record is removed, as the
   * design allows once the bound one exists.
   */
  async bindDid(params: {
    did: string
    verkey: string
    verificationMethodIds: string[]
    relationships: string[]
    metadata?: Record<string, unknown>
    /** A posted Indy nym of the key, kept as the design's `nym` record in the same transaction. */
    nym?: string
  }): Promise<void> {
    const key = this.requireKey(params.verkey)
    const method = params.did.split(':')[1] ?? ''
    const multikey = publicKeyToMultikey(key.publicBytes)
    // Store.openSession() remembers its first isTransaction flag, so transactions are opened explicitly.
    const session = await this.store.transaction().open()
    try {
      for (const vm of params.verificationMethodIds) {
        await session.insertKey({ name: vm, key, tags: { did: params.did, rel: params.relationships } })
      }
      await session.insertKey({ name: params.verkey, key, tags: { did: params.did } })
      const value: DidRecordValue = { method, metadata: params.metadata ?? {} }
      await session.insert({ category: 'did', name: params.did, value: JSON.stringify(value), tags: { method } })
      if (params.nym) {
        const nym = { nym: params.nym, verkey: params.verkey, metadata: params.metadata ?? {} }
        await session.insert({
          category: 'nym',
          name: params.nym,
          value: JSON.stringify(nym),
          tags: { verkey: params.verkey },
        })
      }
      await session.removeKey({ name: multikey })
      await session.commit()
    } catch (e) {
      await session.rollback()
      throw e
    }
  }
  /**
   * A nym the ledger holds for one of this agent's keys, stored as the design's Nym Storage and its
   * migration of posted did:sov lay it out: a `nym` record, and the key bound to `did:sov:<nym>` as `#key-1`.
   */
  async keepPostedNym(nym: string, verkey: string): Promise<void> {
    const did = `did:sov:${nym}`
    await this.bindDid({
      did,
      verkey,
      verificationMethodIds: [`${did}#key-1`],
      relationships: ['authentication', 'assertionMethod'],
      metadata: { posted: true },
      nym,
    })
  }

  /** Stores a key that is used for DIDComm v1 without a DID of its own (an invitation key). */
  async storeDidCommKey(verkey: string, did: string): Promise<void> {
    const key = this.requireKey(verkey)
    await this.withSession((s) => s.insertKey({ name: verkey, key, tags: { did } }))
  }

  /** The private key for a base58 verkey this agent owns, if any. */
  async findKey(verkey: string): Promise<Key | undefined> {
    const cached = this.keys.get(verkey)
    if (cached) return cached
    const entry = await this.withSession((s) => s.fetchKey({ name: verkey }))
    if (!entry) return undefined
    this.keys.set(verkey, entry.key)
    return entry.key
  }

  requireKey(verkey: string): Key {
    const key = this.keys.get(verkey)
    if (!key) throw new Error(`no key ${verkey} in this wallet`)
    return key
  }

  /** The DID a DIDComm v1 key is bound to (the design's replacement for get_local_did_for_verkey). */
  async didForVerkey(verkey: string): Promise<string | undefined> {
    const did = (await this.keyTags(verkey))?.did
    return typeof did === 'string' ? did : undefined
  }

  /** The tags of the key record of that name, or undefined if there is none. */
  async keyTags(name: string): Promise<Record<string, unknown> | undefined> {
    const entry = await this.withSession((s) => s.fetchKey({ name }))
    return entry ? (entry.tags ?? {}) : undefined
  }

  async putRecord(category: string, name: string, value: unknown, tags: Record<string, string> = {}): Promise<void> {
    const json = JSON.stringify(value)
    await this.withSession(async (s) => {
      const existing = await s.fetch({ category, name })
      if (existing) await s.replace({ category, name, value: json, tags })
      else await s.insert({ category, name, value: json, tags })
    })
  }

  async getRecord<T>(category: string, name: string): Promise<T | undefined> {
    const entry = await this.withSession((s) => s.fetch({ category, name }))
    return entry ? (JSON.parse(String(entry.value)) as T) : undefined
  }

  async findRecords<T>(category: string, tagFilter: Record<string, unknown> = {}): Promise<T[]> {
    const entries = await this.withSession((s) => s.fetchAll({ category, tagFilter }))
    return entries.map((e) => JSON.parse(String(e.value)) as T)
  }

  private async withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    const session = await this.store.session().open()
    try {
      return await fn(session)
    } finally {
      await session.close()
    }
  }
}

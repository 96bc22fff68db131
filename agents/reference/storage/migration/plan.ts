/**
 * The reference migration of the DID and key storage design ("Migration Strategy"), as a plan: what to
 * write, from what a store holds. Pure, so that `--dry-run` prints exactly what a run would write, and so
 * that a store already migrated plans nothing (running it twice changes nothing).
 *
 * Where the design is silent, these decisions (also in features/statements/did-key-storage.json):
 *  - Records that name a renamed DID follow the rename: a connection's `my_did` (value and tag) and the
 *    public DID pointer (`config/default_public_did`). The new `did` record keeps the old name in its
 *    metadata as `migrated_from`, so that nothing that knew the old name is left without an answer.
 *  - A did:peer:4 known in two forms (ACA-Py writes a record for the long and for the short form) is
 *    one DID: its key's `did` tag and its bound key name use the short form.
 *  - Qualified DIDs of other methods (did:peer:2, did:peer:4, did:key) keep their name; their record
 *    takes the new model and their key is bound by the verification method id their document gives it.
 *  - A DIDComm v1 key that belongs to no DID (an out-of-band invitation key) gets the `did` tag of its
 *    did:key, as the reference agent stores invitation keys.
 */
import { createPeer4Did, peer4LongToShort, resolvePeer4Did, Peer4LongForms } from '../../dids/peer4.js'
import { resolvePeer2Did, DID_CONTEXT } from '../../dids/peer2.js'
import { resolveDidKey } from '../../dids/key.js'
import { verkeyToDidKey, verkeyToMultikey } from '../../../../didcomm/multikey.js'
import { methodsOf } from '../../../../didcomm/verificationMethods.js'
import type { Tags } from '../../../../contract/storeSnapshot.js'
import type { ItemRow, KeyRow } from '../../../../common/askarStore.js'

export type Operation =
  /** `exists`: a record of that name is there to be replaced. */
  | { kind: 'put-item'; category: string; name: string; value: string; tags: Tags; exists: boolean; why: string }
  | { kind: 'remove-item'; category: string; name: string; why: string }
  /** A second entry of the same key material under a new name. */
  | { kind: 'bind-key'; from: string; name: string; tags: Tags; why: string }
  /** Askar writes a key's metadata with its tags: the metadata it has is written back. */
  | { kind: 'tag-key'; name: string; tags: Tags; metadata: string | null; why: string }

export interface MigrationPlan {
  operations: Operation[]
  /** Old DID (record name) → new DID. */
  renamed: Record<string, string>
  /** Posted did:sov nyms that get a `nym` record. */
  nyms: string[]
  /** Records the plan leaves as they are, and why. */
  skipped: string[]
}

/** The old model's `did` record value (ACA-Py 0.12.8 / 1.x). */
interface OldDidValue {
  did: string
  method: string
  verkey: string
  verkey_type?: string
  metadata?: Record<string, unknown>
}

const PEER_METHOD = /^did:peer:[24]$/

function oldDidValue(item: ItemRow): OldDidValue | undefined {
  try {
    const v = JSON.parse(item.value) as Partial<OldDidValue>
    return typeof v.verkey === 'string' && typeof v.method === 'string' ? (v as OldDidValue) : undefined
  } catch {
    return undefined
  }
}

/** The did:peer:4 a verkey alone makes: the key as `#key-0` for authentication and key agreement, no service. */
export function peer4FromVerkey(verkey: string): { did: string; fragment: string } {
  const { shortDid } = createPeer4Did({
    '@context': [...DID_CONTEXT],
    verificationMethod: [{ id: '#key-0', type: 'Multikey', publicKeyMultibase: verkeyToMultikey(verkey) }],
    authentication: ['#key-0'],
    keyAgreement: ['#key-0'],
  })
  return { did: shortDid, fragment: '#key-0' }
}

/** The fragment and relationships of the verkey's verification method in a qualified DID's document. */
function boundMethod(
  did: string,
  verkey: string,
  longForms: Peer4LongForms,
): { fragment: string; relationships: string[] } | undefined {
  let doc: Record<string, unknown>
  try {
    if (did.startsWith('did:peer:2')) doc = resolvePeer2Did(did) as unknown as Record<string, unknown>
    else if (did.startsWith('did:peer:4')) doc = resolvePeer4Did(did, longForms) as unknown as Record<string, unknown>
    else if (did.startsWith('did:key:')) doc = resolveDidKey(did) as unknown as Record<string, unknown>
    else return undefined
  } catch {
    return undefined
  }
  const method = methodsOf(doc).find((m) => m.type === 'ed25519' && m.publicKey === verkey)
  return method && { fragment: method.fragment, relationships: method.relationships }
}

const canonical = (did: string) => (/^did:peer:4.*:/.test(did) ? peer4LongToShort(did) : did)

export function planMigration(items: ItemRow[], keys: KeyRow[]): MigrationPlan {
  const plan: MigrationPlan = { operations: [], renamed: {}, nyms: [], skipped: [] }
  const keyByName = new Map(keys.map((k) => [k.name, k]))
  const publicDid = (() => {
    const pointer = items.find((i) => i.category === 'config' && i.name === 'default_public_did')
    try {
      return pointer ? ((JSON.parse(pointer.value) as { did?: string | null }).did ?? undefined) : undefined
    } catch {
      return undefined
    }
  })()
  const longForms = new Peer4LongForms()
  for (const i of items) {
    if (i.category === 'did' && /^did:peer:4.*:/.test(i.name)) longForms.remember(i.name)
  }
  /** verkey → the DID its key's `did` tag names, and whose bound key the plan writes. */
  const keyDid = new Map<string, { did: string; fragment: string; relationships: string[] }>()
  const newDidRecords = new Map<string, { method: string; metadata: Record<string, unknown> }>()
  const existingNames = new Set(items.filter((i) => i.category === 'did').map((i) => i.name))
  const existingNyms = new Set(items.filter((i) => i.category === 'nym').map((i) => i.name))

  for (const item of items.filter((i) => i.category === 'did')) {
    const old = oldDidValue(item)
    if (!old) continue
    const metadata = old.metadata ?? {}
    if (!keyByName.has(old.verkey)) {
      plan.skipped.push(`did ${item.name}: its key ${old.verkey} is not in the store`)
      continue
    }
    if (old.method === 'sov' && !item.name.startsWith('did:')) {
      const posted = metadata.posted === true || item.name === publicDid
      if (posted) {
        const did = `did:sov:${item.name}`
        plan.nyms.push(item.name)
        plan.operations.push({
          kind: 'put-item',
          category: 'nym',
          name: item.name,
          value: JSON.stringify({ nym: item.name, verkey: old.verkey, metadata }),
          tags: { verkey: old.verkey },
          exists: existingNyms.has(item.name),
          why: `posted did:sov ${item.name} becomes a nym record`,
        })
        keyDid.set(old.verkey, { did, fragment: '#key-1', relationships: ['authentication', 'assertionMethod'] })
        newDidRecords.set(did, { method: 'sov', metadata: { ...metadata, migrated_from: item.name } })
        plan.renamed[item.name] = did
      } else {
        const { did, fragment } = peer4FromVerkey(old.verkey)
        keyDid.set(old.verkey, { did, fragment, relationships: ['authentication', 'keyAgreement'] })
        newDidRecords.set(did, { method: 'peer', metadata: { ...metadata, migrated_from: item.name } })
        plan.renamed[item.name] = did
      }
      plan.operations.push({ kind: 'remove-item', category: 'did', name: item.name, why: 'renamed' })
      continue
    }
    if (!item.name.startsWith('did:')) {
      plan.skipped.push(`did ${item.name}: unqualified, method ${old.method} (only sov is migrated)`)
      continue
    }
    // A qualified DID keeps its name and takes the new model.
    const method = PEER_METHOD.test(old.method) ? 'peer' : old.method
    newDidRecords.set(item.name, { method, metadata })
    const bound = boundMethod(item.name, old.verkey, longForms)
    if (!bound) {
      plan.skipped.push(`did ${item.name}: no verification method of its document holds ${old.verkey}; no bound key`)
      continue
    }
    const did = canonical(item.name)
    if (!keyDid.has(old.verkey) || did === item.name) keyDid.set(old.verkey, { did, ...bound })
  }

  for (const [did, value] of newDidRecords) {
    plan.operations.push({
      kind: 'put-item',
      category: 'did',
      name: did,
      value: JSON.stringify(value),
      tags: { method: value.method },
      exists: existingNames.has(did),
      why: existingNames.has(did) ? 'the new did record model' : `renamed from ${String(value.metadata.migrated_from)}`,
    })
  }
  for (const [verkey, { did, fragment, relationships }] of keyDid) {
    const key = keyByName.get(verkey) as KeyRow
    const name = `${did}${fragment}`
    if (!keyByName.has(name)) {
      plan.operations.push({
        kind: 'bind-key',
        from: verkey,
        name,
        tags: { did, rel: relationships },
        why: `bound key of ${did}`,
      })
    }
    plan.operations.push({
      kind: 'tag-key',
      name: verkey,
      tags: { ...key.tags, did },
      metadata: key.metadata,
      why: `DIDComm v1 key of ${did}`,
    })
  }
  // Invitation keys: DIDComm v1 keys named by verkey, of no DID.
  for (const key of keys) {
    if (key.algorithm !== 'ed25519' || keyDid.has(key.name) || key.tags.did !== undefined) continue
    if (!/^[1-9A-HJ-NP-Za-km-z]{43,44}$/.test(key.name) || key.name !== key.publicKey) continue
    plan.operations.push({
      kind: 'tag-key',
      name: key.name,
      tags: { ...key.tags, did: verkeyToDidKey(key.name) },
      metadata: key.metadata,
      why: 'a DIDComm v1 key of no DID (an invitation key)',
    })
  }
  plan.operations.push(...referenceRewrites(items, plan.renamed))
  return plan
}

/** Records that name a renamed DID follow it: a connection's `my_did`, the public DID pointer. */
function referenceRewrites(items: ItemRow[], renamed: Record<string, string>): Operation[] {
  const ops: Operation[] = []
  for (const item of items) {
    if (item.category === 'connection') {
      const value = JSON.parse(item.value) as Record<string, unknown>
      const to = typeof value.my_did === 'string' ? renamed[value.my_did] : undefined
      if (!to) continue
      const tags = { ...item.tags, ...(item.tags.my_did !== undefined ? { my_did: to } : {}) }
      ops.push({
        kind: 'put-item',
        category: item.category,
        name: item.name,
        value: JSON.stringify({ ...value, my_did: to }),
        tags,
        exists: true,
        why: `my_did ${String(value.my_did)} was renamed`,
      })
    }
    if (item.category === 'config' && item.name === 'default_public_did') {
      const value = JSON.parse(item.value) as { did?: string | null }
      const to = value.did ? renamed[value.did] : undefined
      if (to) {
        ops.push({
          kind: 'put-item',
          category: 'config',
          name: item.name,
          value: JSON.stringify({ ...value, did: to }),
          tags: item.tags,
          exists: true,
          why: `the public DID ${value.did} was renamed`,
        })
      }
    }
  }
  return ops
}

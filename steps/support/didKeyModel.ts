/**
 * The checks of the DID and key storage design (features/statements/did-key-storage.json) on a store
 * snapshot: each takes what the peer observed of the agent's DID (the DID and its document, as the
 * reference agent resolved them) and what the agent's store holds, and says whether the statement
 * holds, with the records that decide it.
 */
import { Key, KeyAlgorithm } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import { tagValues, type StoredKey, type StoreSnapshot } from '../../contract/storeSnapshot.js'
import { publicKeyToMultikey } from '../../didcomm/multikey.js'
import { methodsOf, type Method } from '../../didcomm/verificationMethods.js'
import { validateStored } from '../../schemas/storageValidate.js'

/** What the peer knows of the agent's DID on the connection. */
export interface ObservedDid {
  did: string
  /** Every form the DID is known by (a did:peer:4's long and short forms). */
  forms: string[]
  /** Base58 Ed25519 keys of its DIDComm service: the agent's DIDComm v1 keys. */
  didcommKeys: string[]
  methods: Method[]
}

export interface Verdict {
  holds: boolean
  /** The records that decide it, as a person reads them. */
  detail: string[]
}

export function observedDid(did: string, doc: Record<string, unknown>, didcommKeys: string[]): ObservedDid {
  const forms = did.startsWith('did:peer:4') ? [did, did.split(':').slice(0, 3).join(':')] : [did]
  return { did, forms: [...new Set(forms)], didcommKeys, methods: methodsOf(doc) }
}

const show = (k: StoredKey) => `key ${k.name} (${k.algorithm}) tags ${JSON.stringify(k.tags)}`
const isDidUrl = (name: string) => /^did:[a-z0-9]+:[^#]+#.+$/.test(name)
const boundTo = (k: StoredKey, forms: string[]) =>
  tagValues(k.tags, 'did').some((d) => forms.includes(d)) ||
  tagValues(k.tags, 'kid').some((kid) => forms.some((f) => kid.startsWith(`${f}#`)))

function didcommKeyEntries(s: StoreSnapshot, o: ObservedDid): Array<{ verkey: string; entry?: StoredKey }> {
  return o.didcommKeys.map((verkey) => ({ verkey, entry: s.keys.find((k) => k.name === verkey) }))
}

/** DKS-01: each DIDComm v1 key is a key entry named by its base58 verkey, algorithm ed25519. */
export function didcommKeyNamedByVerkey(s: StoreSnapshot, o: ObservedDid): Verdict {
  const found = didcommKeyEntries(s, o)
  return {
    holds: found.length > 0 && found.every(({ entry }) => entry?.algorithm === 'ed25519'),
    detail: found.map(({ verkey, entry }) => (entry ? show(entry) : `no key named ${verkey}`)),
  }
}

/** DKS-02: that key entry carries a `did` tag naming the DID. */
export function didcommKeyTaggedWithDid(s: StoreSnapshot, o: ObservedDid): Verdict {
  const found = didcommKeyEntries(s, o)
  return {
    holds:
      found.length > 0 &&
      found.every(({ entry }) => entry && tagValues(entry.tags, 'did').some((d) => o.forms.includes(d))),
    detail: found.map(({ verkey, entry }) => (entry ? show(entry) : `no key named ${verkey}`)),
  }
}

/** The bound key entries for each Ed25519 method: named `<a form of the DID><fragment>`. */
function boundEntries(s: StoreSnapshot, o: ObservedDid): Array<{ method: Method; entry?: StoredKey }> {
  return o.methods
    .filter((m) => m.type === 'ed25519')
    .map((method) => ({
      method,
      entry: s.keys.find((k) => o.forms.some((f) => k.name === `${f}${method.fragment}`)),
    }))
}

/** DKS-03: each Ed25519 verification method of the DID is a key entry named by its absolute id, holding its key. */
export function boundKeyStored(s: StoreSnapshot, o: ObservedDid): Verdict {
  const found = boundEntries(s, o)
  return {
    holds: found.length > 0 && found.every(({ method, entry }) => entry?.publicKey === method.publicKey),
    detail: found.map(({ method, entry }) =>
      entry ? show(entry) : `no key named ${o.forms.map((f) => f.slice(0, 40) + '…' + method.fragment).join(' or ')}`,
    ),
  }
}

/** DKS-04: a bound key carries `did` (the DID) and `rel` (the relationships the document gives the method). */
export function boundKeyTagged(s: StoreSnapshot, o: ObservedDid): Verdict {
  const found = boundEntries(s, o)
  const tagged = ({ method, entry }: { method: Method; entry?: StoredKey }) => {
    if (!entry) return false
    const rel = tagValues(entry.tags, 'rel')
    return (
      tagValues(entry.tags, 'did').some((d) => o.forms.includes(d)) &&
      rel.length === method.relationships.length &&
      method.relationships.every((r) => rel.includes(r))
    )
  }
  return {
    holds: found.length > 0 && found.every(tagged),
    detail: found.map(({ method, entry }) =>
      entry
        ? `${show(entry)}; the document gives ${method.fragment} ${JSON.stringify(method.relationships)}`
        : `no bound key for ${method.fragment}`,
    ),
  }
}

/** DKS-05: a `did` record is named by the DID, and every `did` record is named by a qualified DID. */
export function didRecordQualified(s: StoreSnapshot, o: ObservedDid): Verdict {
  const records = s.items.filter((i) => i.category === 'did')
  const own = records.filter((r) => o.forms.includes(r.name))
  const unqualified = records.filter((r) => !r.name.startsWith('did:'))
  return {
    holds: own.length > 0 && unqualified.length === 0,
    detail: [
      own.length > 0
        ? `did records for the DID: ${own.map((r) => r.name).join(', ')}`
        : 'no did record named by the DID',
      ...unqualified.map((r) => `unqualified did record ${r.name}`),
      `categories in the store: ${[...new Set(s.items.map((i) => i.category))].join(', ')}`,
    ],
  }
}

/** DKS-06: the DID's `did` records have the design's value `{method, metadata}` and tag `method` (schema seed/did). */
export function didRecordShape(s: StoreSnapshot, o: ObservedDid): Verdict {
  const own = s.items.filter((i) => i.category === 'did' && o.forms.includes(i.name))
  const verdicts = own.map((r) => ({ r, v: validateStored('seed/did', r) }))
  return {
    holds: own.length > 0 && verdicts.every(({ v }) => v.valid),
    detail:
      own.length === 0
        ? ['no did record named by the DID']
        : verdicts.map(({ r, v }) => `${r.name.slice(0, 60)}: ${v.valid ? 'valid' : v.errors.join('; ')}`),
  }
}

/** DKS-07: every X25519 key of the DID (in its document, or bound to it in the store) is derived from its Ed25519 key. */
export function x25519Derived(s: StoreSnapshot, o: ObservedDid): Verdict {
  const ed25519 = [
    ...new Set([...o.didcommKeys, ...o.methods.filter((m) => m.type === 'ed25519').map((m) => m.publicKey)]),
  ]
  const derived = new Set(ed25519.map(toX25519))
  const inDocument = o.methods
    .filter((m) => m.type === 'x25519')
    .map((m) => ({ where: `document ${m.fragment}`, key: m.publicKey }))
  const inStore = s.keys
    .filter((k) => k.algorithm === 'x25519' && boundTo(k, o.forms))
    .map((k) => ({ where: `store ${k.name}`, key: k.publicKey }))
  const all = [...inDocument, ...inStore]
  return {
    holds: all.every(({ key }) => derived.has(key)),
    detail: [
      `derived from the Ed25519 key: ${[...derived].join(', ')}`,
      ...all.map(({ where, key }) => `${where}: ${key} ${derived.has(key) ? '(derived)' : '(not derived)'}`),
    ],
  }
}

/** DKS-08: a key bound to no DID is named by its multikey. */
export function unboundKeysNamedByMultikey(s: StoreSnapshot): Verdict {
  const unbound = s.keys.filter((k) => tagValues(k.tags, 'did').length === 0 && !isDidUrl(k.name))
  const misnamed = unbound.filter((k) => k.name !== multikey(k))
  return {
    holds: misnamed.length === 0,
    detail:
      unbound.length === 0
        ? ['no unbound keys']
        : unbound.map(
            (k) => `${show(k)}: ${k.name === multikey(k) ? 'named by its multikey' : `multikey ${multikey(k)}`}`,
          ),
  }
}

/** DKS-09: a key named by a verkey or a multikey holds that public key, and every signing key signs and verifies. */
export function keysHoldTheirNames(s: StoreSnapshot): Verdict {
  const wrong = s.keys.filter(
    (k) =>
      (!isDidUrl(k.name) && /^[1-9A-HJ-NP-Za-km-z]{43,44}$/.test(k.name) && k.name !== k.publicKey) ||
      (/^z6Mk|^z6LS/.test(k.name) && k.name !== multikey(k)) ||
      k.signs === false,
  )
  return {
    holds: s.keys.length > 0 && wrong.length === 0,
    detail: [
      `${s.keys.length} keys`,
      ...wrong.map(
        (k) => `${show(k)}: public key ${k.publicKey}${k.signs === false ? ', does not sign and verify' : ''}`,
      ),
    ],
  }
}

function multikey(k: StoredKey): string {
  return publicKeyToMultikey(bs58.decode(k.publicKey), k.algorithm === 'x25519' ? 'x25519' : 'ed25519')
}

function toX25519(verkey: string): string {
  const ed = Key.fromPublicBytes({ algorithm: KeyAlgorithm.Ed25519, publicKey: bs58.decode(verkey) })
  const x = ed.convertkey({ algorithm: KeyAlgorithm.X25519 })
  try {
    return bs58.encode(x.publicBytes)
  } finally {
    x.handle.free()
    ed.handle.free()
  }
}

/** A posted nym as the ledger holds it: the harness's own GET_NYM read-back. */
export interface PostedNym {
  nym: string
  verkey: string
}

/**
 * DKS-10: the posted nym is a `nym` record named by the nym (schema seed/nym), its value and tag naming
 * the verkey the ledger holds, and the store holds that key.
 */
export function nymRecordStored(s: StoreSnapshot, posted: PostedNym): Verdict {
  const record = s.items.find((i) => i.category === 'nym' && i.name === posted.nym)
  if (!record) {
    const kept = s.items.filter((i) => i.name === posted.nym || i.name === `did:sov:${posted.nym}`)
    return {
      holds: false,
      detail: [
        `no nym record named ${posted.nym}`,
        ...kept.map((i) => `the nym is kept as a ${i.category} record named ${i.name}`),
        `categories in the store: ${[...new Set(s.items.map((i) => i.category))].join(', ')}`,
      ],
    }
  }
  const shape = validateStored('seed/nym', record)
  const value = record.value as { nym?: unknown; verkey?: unknown }
  const problems = [
    ...(shape.valid ? [] : shape.errors),
    ...(value.nym === posted.nym ? [] : [`its value names nym ${String(value.nym)}`]),
    ...(value.verkey === posted.verkey
      ? []
      : [`its value names verkey ${String(value.verkey)}, the ledger ${posted.verkey}`]),
    ...(tagValues(record.tags, 'verkey').includes(posted.verkey)
      ? []
      : [`its verkey tag does not name ${posted.verkey}`]),
    ...(s.keys.some((k) => k.publicKey === posted.verkey) ? [] : [`no key entry holds ${posted.verkey}`]),
  ]
  return {
    holds: problems.length === 0,
    detail: [
      `nym record ${record.name}: ${JSON.stringify(record.value)} tags ${JSON.stringify(record.tags)}`,
      ...problems,
    ],
  }
}

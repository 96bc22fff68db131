import { KdfMethod, Store, StoreKeyMethod, type Session } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import type { StoreAccess, StoredKey, Tags } from '../contract/storeSnapshot.js'

/** An Askar SQLite URI for a file, percent-encoded as ACA-Py quotes it: an `@` in a path would read as user info. */
export const sqliteUri = (file: string): string => `sqlite://${file.split('/').map(encodeURIComponent).join('/')}`

/** A new store at `sqlitePath` (replacing any there) with a random RAW key: a KDF would only cost start-up time. */
export async function provisionRawStore(sqlitePath: string): Promise<{ store: Store; access: StoreAccess }> {
  const access = { sqlitePath, passKey: Store.generateRawKey() }
  const store = await Store.provision({
    uri: sqliteUri(sqlitePath),
    keyMethod: new StoreKeyMethod(KdfMethod.Raw),
    passKey: access.passKey,
    recreate: true,
  })
  return { store, access }
}

/** Askar reads one tag value as a string and several as an array; sorted by name for stable output. */
export function tagsOf(tags: Record<string, unknown> | undefined): Tags {
  const out: Tags = {}
  for (const [k, v] of Object.entries(tags ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    out[k] = Array.isArray(v) ? v.map(String) : String(v)
  return out
}

export interface ItemRow {
  category: string
  name: string
  /** The value as stored, as text. */
  value: string
  tags: Tags
}

/** A key entry as read; `signs` only when the read probes signing. */
export type KeyRow = StoredKey

/** Algorithms Askar signs with; a key of another algorithm (x25519) is not tried. */
const SIGNING = new Set(['ed25519', 'p256', 'p384', 'k256'])
const PROBE = new TextEncoder().encode('didcomm-conformance store check')

/** Every item and key of a session's profile; key handles are freed here. */
export async function readStore(
  session: Session,
  options: { forUpdate?: boolean; probeSigning?: boolean } = {},
): Promise<{ items: ItemRow[]; keys: KeyRow[] }> {
  const forUpdate = Boolean(options.forUpdate)
  const items = (await session.fetchAll({ isJson: false, forUpdate })).map((e) => ({
    category: e.category,
    name: e.name,
    value: String(e.value),
    tags: tagsOf(e.tags),
  }))
  const keys = (await session.fetchAllKeys({ forUpdate })).map((e): KeyRow => {
    try {
      return {
        name: e.name,
        algorithm: e.algorithm,
        publicKey: bs58.encode(e.key.publicBytes),
        metadata: e.metadata,
        tags: tagsOf(e.tags),
        ...(options.probeSigning && SIGNING.has(e.algorithm) ? { signs: signsAndVerifies(e.key) } : {}),
      }
    } finally {
      e.key.handle.free()
    }
  })
  return { items, keys }
}

function signsAndVerifies(key: {
  signMessage(o: { message: Uint8Array }): Uint8Array
  verifySignature(o: { message: Uint8Array; signature: Uint8Array }): boolean
}): boolean {
  try {
    const signature = key.signMessage({ message: PROBE })
    return key.verifySignature({ message: PROBE, signature })
  } catch {
    return false
  }
}

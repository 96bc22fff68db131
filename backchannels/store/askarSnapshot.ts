import { Store, type Key } from '@openwallet-foundation/askar-nodejs'
import bs58 from 'bs58'
import type { StoreAccess, StoredItem, StoredKey, StoreSnapshot, Tags } from '../../contract/storeSnapshot.js'
import { ensureAskarLibrary } from '../../agents/reference/native/askarLibrary.js'
import { sqliteUri } from '../../common/sqliteUri.js'
import { redactValue } from './redactValue.js'

export class StoreOpenError extends Error {}

/** Algorithms Askar signs with; a key of another algorithm (x25519) is not tried. */
const SIGNING = new Set(['ed25519', 'p256', 'p384', 'k256'])
const PROBE = new TextEncoder().encode('didcomm-conformance store check')

/**
 * Reads every item and key of an Askar store while its agent may still hold it open: SQLite's WAL lets a
 * second reader in, and the key method is the one recorded in the file, so only the pass key is needed.
 */
export async function snapshotStore(access: StoreAccess, who: { agent: string; host: string }): Promise<StoreSnapshot> {
  await ensureAskarLibrary()
  let store: Store
  try {
    store = await Store.open({ uri: sqliteUri(access.sqlitePath), passKey: access.passKey, profile: access.profile })
  } catch (e) {
    // Askar's message never contains the key; the path is what the user needs to see.
    throw new StoreOpenError(`cannot open the Askar store ${access.sqlitePath}: ${(e as Error).message.split('\n')[0]}`)
  }
  try {
    const profile = access.profile ?? (await store.getDefaultProfile())
    const profiles = (await store.listProfiles()).sort()
    const session = await store.session(profile).open()
    try {
      const items = (await session.fetchAll({ isJson: false })).map((e): StoredItem => ({
        category: e.category,
        name: e.name,
        value: redactValue(e.category, parseValue(String(e.value))),
        tags: normaliseTags(e.tags),
      }))
      const keys = (await session.fetchAllKeys({})).map((e): StoredKey => {
        try {
          return {
            name: e.name,
            algorithm: e.algorithm,
            publicKey: bs58.encode(e.key.publicBytes),
            metadata: e.metadata,
            tags: normaliseTags(e.tags),
            ...(SIGNING.has(e.algorithm) ? { signs: signsAndVerifies(e.key) } : {}),
          }
        } finally {
          e.key.handle.free()
        }
      })
      items.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name))
      keys.sort((a, b) => a.name.localeCompare(b.name))
      return { ...who, takenAt: new Date().toISOString(), profile, profiles, items, keys }
    } finally {
      await session.close()
    }
  } finally {
    await store.close()
  }
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

function normaliseTags(tags: Record<string, unknown> | undefined): Tags {
  const out: Tags = {}
  for (const [k, v] of Object.entries(tags ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    out[k] = Array.isArray(v) ? v.map(String) : String(v)
  return out
}

function signsAndVerifies(key: Key): boolean {
  try {
    const signature = key.signMessage({ message: PROBE })
    return key.verifySignature({ message: PROBE, signature })
  } catch {
    return false
  }
}

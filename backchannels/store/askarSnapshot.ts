import { Store } from '@openwallet-foundation/askar-nodejs'
import type { StoreAccess, StoredItem, StoreSnapshot } from '../../contract/storeSnapshot.js'
import { ensureAskarLibrary } from '../../agents/reference/native/askarLibrary.js'
import { readStore, sqliteUri } from '../../common/askarStore.js'
import { redactValue } from './redactValue.js'

export class StoreOpenError extends Error {}

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
      const read = await readStore(session, { probeSigning: true })
      const items = read.items.map((e): StoredItem => ({
        category: e.category,
        name: e.name,
        value: redactValue(e.category, parseValue(e.value)),
        tags: e.tags,
      }))
      items.sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name))
      const keys = read.keys.sort((a, b) => a.name.localeCompare(b.name))
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

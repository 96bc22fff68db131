/**
 * What the harness read from an agent's Askar store, as data: every item of the store's default profile
 * and every key, with public parts only. Taken by opening the agent's own store (its file and its store
 * key, which stay in the harness's memory); written to a run's `stores/` folder for `store inspect`.
 */
/** The run folder holding store snapshots: one folder per agent instance, one file per snapshot. */
export const STORES_DIR = 'stores'

/** How to open an agent's store: its SQLite file and its store key. The key stays in memory, never in output. */
export interface StoreAccess {
  sqlitePath: string
  passKey: string
  /** The profile to read; the store's default profile when absent. */
  profile?: string
}

/** A record layout the harness has schemas for (schemas/storage/<layout>/): the design's, or what an agent version writes. */
export type StorageLayout = 'seed' | 'acapy-0.12.8' | 'acapy-1.7.0' | 'credo-0.5' | 'credo-0.6'

export type Tags = Record<string, string | string[]>

/** An Askar item (kind Item): a record of any category. */
export interface StoredItem {
  category: string
  name: string
  /** The value parsed as JSON where it is JSON, else the text; secret fields are redacted. */
  value: unknown
  tags: Tags
}

/** An Askar key entry (kind Kms), which the DID and key storage design calls the `key` category. */
export interface StoredKey {
  name: string
  /** Askar's algorithm name, e.g. `ed25519`, `x25519` (the design's implicit `KeyAlg` tag). */
  algorithm: string
  /** The public key, base58. */
  publicKey: string
  /** Askar's key metadata, as stored (ACA-Py keeps the creating DID's metadata there). */
  metadata: string | null
  tags: Tags
  /** For signing keys: whether a signature made with the stored key verifies with its public key. */
  signs?: boolean
}

export interface StoreSnapshot {
  /** Agent id, e.g. `acapy@1.7.0`, plus the host's label so that two hosts of one agent are told apart. */
  agent: string
  host: string
  takenAt: string
  /** The profile read (the store's default) and every profile the store has. */
  profile: string
  profiles: string[]
  items: StoredItem[]
  keys: StoredKey[]
  /** Set once the harness has run the reference migration on this store: it no longer holds only what the agent wrote. */
  migrated?: boolean
}

/** Items of one category. */
export const itemsOf = (snapshot: StoreSnapshot, category: string): StoredItem[] =>
  snapshot.items.filter((i) => i.category === category)

/** A tag's values as a list: Askar reads one value as a string and several as an array. */
export const tagValues = (tags: Tags, name: string): string[] => {
  const v = tags[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

/** Item counts per category, sorted by category. */
export function categoryCounts(snapshot: StoreSnapshot): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const i of [...snapshot.items].sort((a, b) => a.category.localeCompare(b.category)))
    counts[i.category] = (counts[i.category] ?? 0) + 1
  return counts
}

/** What the reference migration did to an agent's store. */
export interface StoreMigration {
  operations: number
  /** Old DID (record name) → new DID. */
  renamed: Record<string, string>
  /** Posted did:sov nyms that got a `nym` record. */
  nyms: string[]
  ms: number
  /** Why the agent did not start again on the migrated store, when it did not (its own error and log tail). */
  startFailure?: string
}

/** How a `store migrate` run killed once it had planned went; its stderr holds progress lines, no secrets. */
export interface KilledMigration {
  /** Its stderr, line by line, up to its end. */
  lines: string[]
  /** The line the kill followed, e.g. `planned 19 operations (1 nym records, 2 DIDs renamed)`. */
  killedAfter: string
  /** Operations it had planned. */
  planned: number
  /** From that line to the child's exit, and from its start to its exit. */
  msToExit: number
  ms: number
}

/** A reference migration killed while it wrote, run again, beside an uninterrupted migration of a copy of the same store. */
export interface InterruptedStoreMigration {
  /** The agent's store just before the killed run, and just after it. */
  before: StoreSnapshot
  kill: KilledMigration
  killed: StoreSnapshot
  rerun: { migration: StoreMigration; after: StoreSnapshot }
  copy: { migration: StoreMigration; after: StoreSnapshot }
}

/** Where two snapshots hold different items or keys (by category and name, and by key name), one line each. */
export function storeDifferences(
  a: Pick<StoreSnapshot, 'items' | 'keys'>,
  b: Pick<StoreSnapshot, 'items' | 'keys'>,
  [nameA, nameB] = ['the first', 'the second'],
): string[] {
  const compare = <T>(what: string, x: T[], y: T[], id: (r: T) => string): string[] => {
    const mx = new Map(x.map((r) => [id(r), JSON.stringify(r)]))
    const my = new Map(y.map((r) => [id(r), JSON.stringify(r)]))
    return [...new Set([...mx.keys(), ...my.keys()])].sort().flatMap((k) => {
      const [vx, vy] = [mx.get(k), my.get(k)]
      if (vx === vy) return []
      if (vx === undefined) return [`${what} ${k} only in ${nameB}`]
      if (vy === undefined) return [`${what} ${k} only in ${nameA}`]
      return [`${what} ${k} differs`]
    })
  }
  return [
    ...compare('item', a.items, b.items, (i) => `${i.category}/${i.name}`),
    ...compare('key', a.keys, b.keys, (k) => k.name),
  ]
}

/** Keys of `before` that `after` no longer holds as they were (same name, algorithm, public key; still signing). */
export function lostKeys(
  before: Array<Pick<StoredKey, 'name' | 'algorithm' | 'publicKey' | 'signs'>>,
  after: Array<Pick<StoredKey, 'name' | 'algorithm' | 'publicKey' | 'signs'>>,
): string[] {
  const now = new Map(after.map((k) => [k.name, k]))
  return before.flatMap((k) => {
    const a = now.get(k.name)
    if (!a) return [`key ${k.name} is gone`]
    if (a.publicKey !== k.publicKey || a.algorithm !== k.algorithm) return [`key ${k.name} changed`]
    if (k.signs && a.signs === false) return [`key ${k.name} no longer signs`]
    return []
  })
}

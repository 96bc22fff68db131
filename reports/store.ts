import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { categoryCounts, itemsOf, STORES_DIR, type StoreSnapshot, type Tags } from '../contract/storeSnapshot.js'

/** A run directory without store snapshots, or an agent id none of them is for: bad input (exit 2). */
export class StoreSnapshotsError extends Error {}

/** The snapshots a run took (its `stores/<host>/<n>.json`), oldest first per host, hosts by name. */
export function loadStoreSnapshots(runDir: string, agent?: string): Array<{ file: string; snapshot: StoreSnapshot }> {
  const dir = path.join(runDir, STORES_DIR)
  if (!existsSync(dir)) {
    throw new StoreSnapshotsError(
      `${runDir} has no stores/ folder: no scenario in that run read an agent's store (run e.g. --tags @storage)`,
    )
  }
  const found = readdirSync(dir)
    .sort()
    .flatMap((host) =>
      readdirSync(path.join(dir, host))
        .filter((f) => /^\d+\.json$/.test(f))
        .sort((a, b) => parseInt(a) - parseInt(b))
        .map((f) => path.join(dir, host, f)),
    )
    .map((file) => ({ file, snapshot: JSON.parse(readFileSync(file, 'utf8')) as StoreSnapshot }))
  const chosen = agent ? found.filter((f) => f.snapshot.agent === agent) : found
  if (chosen.length === 0) {
    const agents = [...new Set(found.map((f) => f.snapshot.agent))].join(', ') || 'none'
    throw new StoreSnapshotsError(
      `no store snapshot of ${agent ?? 'any agent'} in ${runDir} (agents with one: ${agents})`,
    )
  }
  return chosen
}

/** The last snapshot of each host: the store as it was when the run last looked. */
export function latestPerHost<T extends { snapshot: StoreSnapshot }>(snapshots: T[]): T[] {
  const last = new Map<string, T>()
  for (const s of snapshots) last.set(s.snapshot.host, s)
  return [...last.values()]
}

const short = (text: string, max = 72) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
const tagText = (tags: Tags) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.map((x) => short(x, 40)).join(', ')}]` : short(v, 48)}`)
    .join(' ') || '(no tags)'

/** A snapshot as a person reads it: counts per category, the DID, nym and key records in full. */
export function formatStoreSnapshot(snapshot: StoreSnapshot, file: string): string {
  const lines = [
    `${snapshot.agent} (${snapshot.host})${snapshot.migrated ? ', after the reference migration' : ''}, read ${snapshot.takenAt}: ${file}`,
    `  profile ${snapshot.profile}${snapshot.profiles.length > 1 ? ` (of ${snapshot.profiles.length})` : ''}`,
    `  items per category: ${
      Object.entries(categoryCounts(snapshot))
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || 'none'
    }`,
  ]
  for (const category of ['did', 'nym', 'DidRecord']) {
    const records = itemsOf(snapshot, category)
    if (records.length === 0) continue
    lines.push(`  ${category} records:`)
    for (const r of records) lines.push(`    ${short(r.name)}  ${tagText(r.tags)}`)
  }
  lines.push(`  keys (${snapshot.keys.length}):`)
  for (const k of snapshot.keys) {
    const signs = k.signs === undefined ? '' : k.signs ? '  signs' : '  DOES NOT SIGN'
    lines.push(`    ${short(k.name)}  ${k.algorithm}  ${tagText(k.tags)}${signs}`)
  }
  return lines.join('\n')
}

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { migrateStore } from '../agents/reference/storage/migration/apply.js'
import { snapshotStore } from '../backchannels/store/askarSnapshot.js'
import { writeOldLayoutStore } from '../test/support/oldLayoutStore.js'

export interface StoreBench {
  connections: number
  items: number
  keys: number
  inspectMs: number
  migrateMs: number
  operations: number
  peakRssMiB: number
}

/** Reads and migrates a store of `connections` connection records in the layout ACA-Py 0.12.8 writes. */
export async function benchStore(connections: number): Promise<StoreBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-store-'))
  try {
    const fixture = await writeOldLayoutStore(path.join(dir, 'store.sqlite'), connections)
    let started = performance.now()
    const snapshot = await snapshotStore(fixture.access, { agent: 'bench', host: 'bench' })
    const inspectMs = performance.now() - started
    started = performance.now()
    const result = await migrateStore(fixture.access)
    const migrateMs = performance.now() - started
    return {
      connections,
      items: snapshot.items.length,
      keys: snapshot.keys.length,
      inspectMs: Math.round(inspectMs),
      migrateMs: Math.round(migrateMs),
      operations: result.plan.operations.length,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

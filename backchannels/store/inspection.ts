import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { migrateStore } from '../../agents/reference/storage/migration/apply.js'
import type { StorageLayout, StoreAccess, StoreMigration, StoreSnapshot } from '../../contract/storeSnapshot.js'
import { NotOffered, type StoreInspection } from '../capabilities.js'
import { snapshotStore } from './askarSnapshot.js'

/** The run folder `store inspect` reads: one folder per host, one file per snapshot. */
export const STORES_DIR = 'stores'

export interface AskarStoreOptions {
  access: () => Promise<StoreAccess>
  who: { agent: string; host: string }
  runDir: string
  layout: StorageLayout | undefined
  /** Stops the agent, runs `work` on its store, and starts the agent again on it; absent: why not. */
  whileStopped: ((work: () => Promise<void>) => Promise<void>) | string
  /** Makes an unqualified DID the agent keeps; absent: why the agent cannot. */
  createUnqualifiedDid: (() => Promise<{ did: string; verkey: string }>) | string
}

/** Store inspection for any agent whose store is an Askar SQLite file the host can name with its key. */
export class AskarStoreInspection implements StoreInspection {
  private taken = 0

  constructor(private readonly options: AskarStoreOptions) {}

  get layout(): StorageLayout | undefined {
    return this.options.layout
  }

  async snapshot(): Promise<StoreSnapshot> {
    const { who, runDir } = this.options
    const snapshot = await snapshotStore(await this.options.access(), who)
    const dir = path.join(runDir, STORES_DIR, who.host)
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `${++this.taken}.json`), JSON.stringify(snapshot, null, 2))
    return snapshot
  }

  async migrate(): Promise<StoreMigration> {
    const { whileStopped } = this.options
    if (typeof whileStopped === 'string') throw new NotOffered(whileStopped)
    const access = await this.options.access()
    let migration: StoreMigration | undefined
    await whileStopped(async () => {
      const { plan, ms } = await migrateStore(access)
      migration = { operations: plan.operations.length, renamed: plan.renamed, nyms: plan.nyms, ms }
    })
    return migration as StoreMigration
  }

  createUnqualifiedDid(): Promise<{ did: string; verkey: string }> {
    const { createUnqualifiedDid } = this.options
    if (typeof createUnqualifiedDid === 'string') throw new NotOffered(createUnqualifiedDid)
    return createUnqualifiedDid()
  }
}

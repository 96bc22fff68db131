import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { StorageLayout, StoreAccess, StoreSnapshot } from '../../contract/storeSnapshot.js'
import type { StoreInspection } from '../capabilities.js'
import { snapshotStore } from './askarSnapshot.js'

/** The run folder `store inspect` reads: one folder per host, one file per snapshot. */
export const STORES_DIR = 'stores'

/** Store inspection for any agent whose store is an Askar SQLite file the host can name with its key. */
export class AskarStoreInspection implements StoreInspection {
  private taken = 0

  constructor(
    private readonly access: () => Promise<StoreAccess>,
    private readonly who: { agent: string; host: string },
    private readonly runDir: string,
    readonly layout: StorageLayout | undefined,
  ) {}

  async snapshot(): Promise<StoreSnapshot> {
    const snapshot = await snapshotStore(await this.access(), this.who)
    const dir = path.join(this.runDir, STORES_DIR, this.who.host)
    mkdirSync(dir, { recursive: true })
    writeFileSync(path.join(dir, `${++this.taken}.json`), JSON.stringify(snapshot, null, 2))
    return snapshot
  }
}

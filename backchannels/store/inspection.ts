import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { KdfMethod, Store, StoreKeyMethod } from '@openwallet-foundation/askar-nodejs'
import { migrateStore } from '../../agents/reference/storage/migration/apply.js'
import { sqliteUri } from '../../common/askarStore.js'
import {
  STORES_DIR,
  type StorageLayout,
  type StoreAccess,
  type StoreMigration,
  type StoreSnapshot,
} from '../../contract/storeSnapshot.js'
import { NotOffered, type StoreInspection } from '../capabilities.js'
import { snapshotStore } from './askarSnapshot.js'

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

const BACKUP_FILE = 'store.sqlite'

/** Store inspection for any agent whose store is an Askar SQLite file the host can name with its key. */
export class AskarStoreInspection implements StoreInspection {
  private taken = 0
  /** A copy of the store as it was before the harness first changed it, to put back with `restore()`. */
  private backup?: string
  /** Whether the store now holds what the reference migration wrote. */
  private migrated = false

  constructor(private readonly options: AskarStoreOptions) {}

  get layout(): StorageLayout | undefined {
    return this.options.layout
  }

  async snapshot(): Promise<StoreSnapshot> {
    const { who, runDir } = this.options
    const snapshot = {
      ...(await snapshotStore(await this.options.access(), who)),
      ...(this.migrated ? { migrated: true } : {}),
    }
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
    await this.keepBackup(access)
    this.migrated = true
    await whileStopped(async () => {
      const { plan, ms } = await migrateStore(access)
      migration = { operations: plan.operations.length, renamed: plan.renamed, nyms: plan.nyms, ms }
    })
    return migration as StoreMigration
  }

  async restore(): Promise<void> {
    const { whileStopped } = this.options
    const backup = this.backup
    if (!backup || typeof whileStopped === 'string') return
    const { sqlitePath } = await this.options.access()
    await whileStopped(async () => {
      // With its WAL and shared-memory files, or without them where the copy has none: the live store's
      // would otherwise be replayed over the copy.
      for (const suffix of ['', '-wal', '-shm']) {
        const from = path.join(backup, BACKUP_FILE + suffix)
        rmSync(sqlitePath + suffix, { force: true })
        if (existsSync(from)) copyFileSync(from, sqlitePath + suffix)
      }
    })
    rmSync(backup, { recursive: true, force: true })
    this.backup = undefined
    this.migrated = false
  }

  /**
   * Before the first change the harness makes to the store, a copy of it (Askar's copyTo, with the same
   * key, while the agent runs) for `restore()` to put back.
   */
  private async keepBackup(access: StoreAccess): Promise<void> {
    if (this.backup) return
    const dir = mkdtempSync(path.join(tmpdir(), 'store-backup-'))
    const store = await Store.open({
      uri: sqliteUri(access.sqlitePath),
      passKey: access.passKey,
      profile: access.profile,
    })
    try {
      await store.copyTo({
        uri: sqliteUri(path.join(dir, BACKUP_FILE)),
        keyMethod: new StoreKeyMethod(KdfMethod.Raw),
        passKey: access.passKey,
        recreate: true,
      })
    } finally {
      await store.close()
    }
    this.backup = dir
  }

  async createUnqualifiedDid(): Promise<{ did: string; verkey: string }> {
    const { createUnqualifiedDid, whileStopped } = this.options
    if (typeof createUnqualifiedDid === 'string') throw new NotOffered(createUnqualifiedDid)
    // Only where the store can be put back afterwards: the DID must reach no later scenario.
    if (typeof whileStopped === 'string') throw new NotOffered(whileStopped)
    await this.keepBackup(await this.options.access())
    return createUnqualifiedDid()
  }
}

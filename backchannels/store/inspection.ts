import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { KdfMethod, Store, StoreKeyMethod } from '@openwallet-foundation/askar-nodejs'
import { migrateStore } from '../../agents/reference/storage/migration/apply.js'
import { sqliteUri } from '../../common/askarStore.js'
import {
  STORES_DIR,
  type InterruptedStoreMigration,
  type StorageLayout,
  type StoreAccess,
  type StoreMigration,
  type StoreSnapshot,
} from '../../contract/storeSnapshot.js'
import { NotOffered, type StoreInspection } from '../capabilities.js'
import { snapshotStore } from './askarSnapshot.js'
import { killMigrationOncePlanned } from './killedMigration.js'

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

/**
 * Copies an SQLite store with its WAL and shared-memory files, or without them where `from` has none:
 * those left at `to` would otherwise be replayed over the copy.
 */
function copyStoreFiles(from: string, to: string): void {
  for (const suffix of ['', '-wal', '-shm']) {
    rmSync(to + suffix, { force: true })
    if (existsSync(from + suffix)) copyFileSync(from + suffix, to + suffix)
  }
}

/** The reference migration in this process, as a step reports it. */
async function migrateInProcess(access: StoreAccess): Promise<StoreMigration> {
  const { plan, ms } = await migrateStore(access)
  return { operations: plan.operations.length, renamed: plan.renamed, nyms: plan.nyms, ms }
}

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
    const access = await this.options.access()
    let migration: StoreMigration | undefined
    await this.keepBackup(access)
    this.migrated = true
    const startFailure = await this.migrateWhileStopped(async () => {
      migration = await migrateInProcess(access)
    })
    return { ...(migration as StoreMigration), ...(startFailure ? { startFailure } : {}) }
  }

  /**
   * Runs `migrate` with the agent stopped. An agent that cannot start on the migrated store is a
   * finding about the agent, not a failed migration: the store is there to check, so the reason is
   * returned. `restore()` starts the agent again on the store as it was.
   */
  private async migrateWhileStopped(migrate: () => Promise<void>): Promise<string | undefined> {
    const { whileStopped } = this.options
    if (typeof whileStopped === 'string') throw new NotOffered(whileStopped)
    let migrated = false
    try {
      await whileStopped(async () => {
        await migrate()
        migrated = true
      })
      return undefined
    } catch (e) {
      if (!migrated) throw e
      return (e as Error).message
    }
  }

  async migrateInterrupted(): Promise<InterruptedStoreMigration> {
    const { whileStopped, who } = this.options
    if (typeof whileStopped === 'string') throw new NotOffered(whileStopped)
    const access = await this.options.access()
    await this.keepBackup(access)
    const dir = mkdtempSync(path.join(tmpdir(), 'store-copy-'))
    const copy = { ...access, sqlitePath: path.join(dir, BACKUP_FILE) }
    let run: InterruptedStoreMigration | undefined
    try {
      const startFailure = await this.migrateWhileStopped(async () => {
        copyStoreFiles(access.sqlitePath, copy.sqlitePath)
        const before = await this.snapshot()
        this.migrated = true
        const kill = await killMigrationOncePlanned(access)
        const killed = await this.snapshot()
        const rerun = await migrateInProcess(access)
        const copied = await migrateInProcess(copy)
        run = {
          before,
          kill,
          killed,
          rerun: { migration: rerun, after: await this.snapshot() },
          // Not filed with the agent's snapshots: it is not the agent's store.
          copy: { migration: copied, after: await snapshotStore(copy, who) },
        }
      })
      if (startFailure && run) run.rerun.migration.startFailure = startFailure
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    return run as InterruptedStoreMigration
  }

  async restore(): Promise<void> {
    const { whileStopped } = this.options
    const backup = this.backup
    if (!backup || typeof whileStopped === 'string') return
    const { sqlitePath } = await this.options.access()
    await whileStopped(async () => copyStoreFiles(path.join(backup, BACKUP_FILE), sqlitePath))
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

  async backUp(): Promise<void> {
    const { whileStopped } = this.options
    if (typeof whileStopped === 'string') throw new NotOffered(whileStopped)
    await this.keepBackup(await this.options.access())
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

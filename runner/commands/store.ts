import { existsSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { formatMigration } from '../../reports/migration.js'
import {
  MigrationCheckError,
  MigrationInputError,
  migrateStore,
} from '../../agents/reference/storage/migration/apply.js'
import { formatStoreSnapshot, latestPerHost, loadStoreSnapshots, StoreSnapshotsError } from '../../reports/store.js'

/** Exit codes of `store` (documented in the README). */
const EXIT = { done: 0, checkFailed: 1, usage: 2 } as const

/** The store key comes by environment only: a command line is visible to every user (ps, /proc). */
export const STORE_KEY_VARIABLE = 'DIDCOMM_CONFORMANCE_STORE_KEY'

/**
 * `store inspect <run-dir>`: the agents' Askar stores as the run read them, secrets redacted.
 * `store migrate <store>`: the reference migration of the DID and key storage design, in one transaction.
 */
export function registerStoreCommand(program: Command): void {
  const store = program.command('store').description("agents' Askar stores: what a run read from them")
  store
    .command('inspect')
    .description("print the stores a run read (each agent's last snapshot; --all for every one), secrets redacted")
    .argument('<run-dir>', 'a report directory of a run that read stores (e.g. --tags @storage)')
    .option('--agent <id>', 'only this agent id, e.g. acapy@1.7.0')
    .option('--all', 'every snapshot the run took, not only the last per agent instance')
    .option('--json', 'print the snapshots as JSON')
    .action((runDir: string, opts: { agent?: string; all?: boolean; json?: boolean }) => {
      try {
        const found = loadStoreSnapshots(path.resolve(runDir), opts.agent)
        const chosen = opts.all ? found : latestPerHost(found)
        console.log(
          opts.json
            ? JSON.stringify(
                chosen.map((c) => c.snapshot),
                null,
                2,
              )
            : chosen.map((c) => formatStoreSnapshot(c.snapshot, path.relative(process.cwd(), c.file))).join('\n\n'),
        )
        process.exitCode = EXIT.done
      } catch (e) {
        if (!(e instanceof StoreSnapshotsError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
        console.error(`didcomm-conformance: ${(e as Error).message}`)
        process.exitCode = EXIT.usage
      }
    })
  store
    .command('migrate')
    .description(
      'migrate an Askar store to the DID and key storage design (nym records, bound keys, did tags), in one ' +
        `transaction, checked before it commits; the store key comes from $${STORE_KEY_VARIABLE}`,
    )
    .argument('<store>', "the store's SQLite file")
    .option('--dry-run', 'print what would be written and write nothing')
    .option('--profile <name>', "the profile to migrate (default: the store's default profile)")
    .option('--json', 'print the plan and the result as JSON')
    .action(async (file: string, opts: { dryRun?: boolean; profile?: string; json?: boolean }) => {
      const passKey = process.env[STORE_KEY_VARIABLE]
      if (!passKey) {
        console.error(`didcomm-conformance: set ${STORE_KEY_VARIABLE} to the store's key`)
        process.exitCode = EXIT.usage
        return
      }
      if (!existsSync(file)) {
        console.error(`didcomm-conformance: ${file} does not exist`)
        process.exitCode = EXIT.usage
        return
      }
      try {
        const result = await migrateStore(
          { sqlitePath: path.resolve(file), passKey, ...(opts.profile ? { profile: opts.profile } : {}) },
          { dryRun: Boolean(opts.dryRun), onProgress: opts.json ? undefined : (line) => console.error(line) },
        )
        console.log(opts.json ? JSON.stringify(result, null, 2) : formatMigration(result))
        process.exitCode = EXIT.done
      } catch (e) {
        if (!(e instanceof MigrationInputError) && !(e instanceof MigrationCheckError)) throw e
        console.error(`didcomm-conformance: ${e.message}`)
        process.exitCode = e instanceof MigrationCheckError ? EXIT.checkFailed : EXIT.usage
      }
    })
}

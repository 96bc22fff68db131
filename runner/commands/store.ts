import path from 'node:path'
import type { Command } from 'commander'
import { formatStoreSnapshot, latestPerHost, loadStoreSnapshots, StoreSnapshotsError } from '../../reports/store.js'

/** Exit codes of `store` (documented in the README). */
const EXIT = { done: 0, usage: 2 } as const

/** `store inspect <run-dir>`: the agents' Askar stores as the run read them, secrets redacted. */
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
}

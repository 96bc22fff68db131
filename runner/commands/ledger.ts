import { Option, type Command } from 'commander'
import { DEFAULT_BATCH_WAIT_MS, IndyPoolStartError, startIndyPool } from '../../agents/indy-pool/pool.js'
import { ensureIndyPoolProvisioned, IndyPoolProvisionError } from '../../agents/indy-pool/provision.js'
import { IndyVdrUnavailableError } from '../../agents/indy-pool/vdrLibrary.js'
import {
  connectEngine,
  DockerUnavailableError,
  ensureDockerInstalled,
  type Engine,
} from '../../common/docker/engine.js'

/** Exit codes of `ledger` (documented in the README). */
const EXIT = { failed: 1, unavailable: 3 } as const

function fail(e: unknown): void {
  if (!(
    e instanceof IndyPoolProvisionError ||
    e instanceof IndyPoolStartError ||
    e instanceof IndyVdrUnavailableError ||
    e instanceof DockerUnavailableError
  )) {
    throw e
  }
  console.error(`didcomm-conformance: ${e.message}`)
  process.exitCode = EXIT.unavailable
}

/** `ledger up` / `ledger provision`: a 4-node Indy pool on loopback (needs root; see the README). */
export function registerLedgerCommand(program: Command): void {
  const ledger = program
    .command('ledger')
    .description(
      'a local 4-node Indy ledger (indy-node 1.13.2) on loopback, as chrooted processes (root) or containers',
    )

  ledger
    .command('provision')
    .description('provision the Debian bullseye root the pool runs in (cached; a no-op when up to date)')
    .action(async () => {
      try {
        await ensureIndyPoolProvisioned()
      } catch (e) {
        fail(e)
      }
    })

  ledger
    .command('up')
    .description('provision and start the pool, print its genesis file, and run until Ctrl-C')
    .option('--reuse', 'keep the ledger of the previous --reuse run (and keep this one) instead of a fresh ledger')
    .addOption(
      new Option('--batch-wait <ms>', "plenum's Max3PCBatchWait: how long a write waits for others to batch with")
        .default(DEFAULT_BATCH_WAIT_MS)
        .argParser(Number),
    )
    .addOption(new Option('--timeout <ms>', 'bound for the pool to become ready').default(60_000).argParser(Number))
    .addOption(
      new Option(
        '--launch <mode>',
        'the nodes as chrooted processes, or as containers (`images build indy-pool` first)',
      )
        .choices(['process', 'docker'])
        .default('process'),
    )
    .action(async (opts: { reuse?: boolean; batchWait: number; timeout: number; launch: 'process' | 'docker' }) => {
      let engine: Engine | undefined
      try {
        if (opts.launch === 'docker') {
          const log = (msg: string) => console.error(msg)
          await ensureDockerInstalled(log)
          engine = await connectEngine(log)
        }
        const pool = await startIndyPool({
          reuse: opts.reuse,
          batchWaitMs: opts.batchWait,
          readyTimeoutMs: opts.timeout,
          launch: opts.launch,
        })
        console.log(`genesis file: ${pool.genesisPath}`)
        console.log(`trustee: ${pool.trusteeDid} (seed ${pool.trusteeSeed}, plenum's public test seed)`)
        console.log(`ledger data and node logs: ${pool.dir}`)
        console.log('running; Ctrl-C stops the nodes')
        // Ctrl-C and SIGTERM are handled by the pool, which stops the nodes and exits; this waits for a crash.
        const reason = await pool.nodeFailure
        console.error(`didcomm-conformance: ${reason}; stopping the pool`)
        await pool.stop()
        process.exitCode = EXIT.failed
      } catch (e) {
        fail(e)
      } finally {
        await engine?.stop()
      }
    })
}

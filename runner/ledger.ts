/**
 * The Indy pool a run needs: started once for the run when a selected scenario is tagged @ledger
 * (provisioned the first time), given to its workers by genesis file, and stopped with the run, also
 * on error and Ctrl-C (the pool stops its nodes on exit and on signals itself).
 */
import { startIndyPool, IndyPoolStartError, type PoolLaunch } from '../agents/indy-pool/pool.js'
import { IndyPoolProvisionError } from '../agents/indy-pool/provision.js'
import { indexFeatures, selectionHas } from './features.js'
import type { Output } from './progress.js'

export const LEDGER_TAG = '@ledger'

/** The ledger a run is given: a running pool's genesis, or why there is none. */
export type RunLedger = { genesisPath: string } | { unavailable: string }

export class LedgerStartError extends Error {}

/** Whether this run starts a pool: the selection needs a ledger and no run above this one started it. */
export const startsPool = (tags: string | undefined, genesisPath: string | undefined): boolean =>
  !genesisPath && selectionHas(LEDGER_TAG, tags, indexFeatures())

/**
 * Starts the pool when the selection needs one and no run above this one started it already
 * (`genesisPath`: a worker is given the pool of the run that started it).
 */
export async function ledgerForRun(opts: {
  tags: string | undefined
  genesisPath?: string
  out: Output
  /** Chrooted processes (these need root) or containers. */
  launch?: PoolLaunch
  isRoot?: boolean
}): Promise<{ ledger?: RunLedger; stop(): Promise<void> }> {
  const none = { stop: async () => {} }
  if (opts.genesisPath) return { ...none, ledger: { genesisPath: opts.genesisPath } }
  if (!startsPool(opts.tags, opts.genesisPath)) return none
  if (opts.launch !== 'docker' && !(opts.isRoot ?? process.getuid?.() === 0)) {
    return {
      ...none,
      ledger: { unavailable: 'the Indy pool needs root (chroot and mount namespaces); see the README' },
    }
  }
  const began = Date.now()
  opts.out.info('starting the Indy pool for the scenarios tagged @ledger (the first time, its root is provisioned)')
  try {
    const pool = await startIndyPool({ log: (msg) => opts.out.info(msg), launch: opts.launch })
    opts.out.info(`Indy pool ready in ${Date.now() - began} ms (genesis ${pool.genesisPath})`)
    return { ledger: { genesisPath: pool.genesisPath }, stop: () => pool.stop() }
  } catch (e) {
    if (e instanceof IndyPoolStartError || e instanceof IndyPoolProvisionError) {
      throw new LedgerStartError(`the Indy pool could not start: ${e.message}`)
    }
    throw e
  }
}

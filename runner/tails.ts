/**
 * The tails server a run needs: started in the run's own process when a selected scenario is tagged
 * @revocation and the run has a ledger (uploads are checked against the pool's registry definitions),
 * and stopped with the run. Each worker of a parallel run has its own, as its agents have their own.
 */
import path from 'node:path'
import type { Ledger } from '../agents/indy-pool/resource.js'
import { ledgerRegistryDefinitions } from '../agents/tails-server/ledgerDefinitions.js'
import { startTailsServer, type TailsServer } from '../agents/tails-server/server.js'
import { indexFeatures, selectionHas } from './features.js'

export const REVOCATION_TAG = '@revocation'

export async function tailsServerForRun(opts: {
  tags: string | undefined
  ledger: Ledger | undefined
  runDir: string
}): Promise<TailsServer | undefined> {
  if (!opts.ledger || !selectionHas(REVOCATION_TAG, opts.tags, indexFeatures())) return undefined
  return startTailsServer({
    dir: path.join(opts.runDir, 'tails'),
    registryDefinition: ledgerRegistryDefinitions(opts.ledger),
    genesis: opts.ledger.genesis,
  })
}

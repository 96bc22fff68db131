/**
 * The registry definitions an indy-path upload is checked against, read from the run's pool with the
 * harness's own client.
 */
import { WaitTimeoutError } from '../../common/waitFor.js'
import type { Ledger } from '../indy-pool/resource.js'
import type { RegistryDefinitionLookup } from './server.js'

/**
 * The REVOC_REG_DEF of each id, read back from the pool. An agent uploads right after its write, which
 * a node still applying the batch may not yet answer, so the read is retried for up to `timeoutMs`; a
 * registry not there by then is unknown. It stays well inside ACA-Py's 10 s upload timeout.
 */
export function ledgerRegistryDefinitions(ledger: Ledger, timeoutMs = 3_000): RegistryDefinitionLookup {
  return async (revRegId) => {
    try {
      const definition = await ledger.revocationRegistryDefinition(revRegId, timeoutMs)
      return { tailsHash: definition.value.tailsHash }
    } catch (e) {
      if (e instanceof WaitTimeoutError) return undefined
      throw e
    }
  }
}

/**
 * The Credo-ts lines the harness runs, and what differs between them: data only. 0.5.19 is the root
 * package's own Credo; 0.6.3 is installed apart, in agents/credo-0.6, so the two never share a module.
 */
import path from 'node:path'
import type { StorageLayout } from '../../contract/storeSnapshot.js'
import { CREDO_06_ENTRY, credo06InstallProblem } from '../credo-0.6/install.js'

export interface CredoVersionSpec {
  /** The agent process the launcher forks; it resolves Credo from the node_modules nearest to it. */
  entry: string
  /** Why it cannot run here (one line naming the fix), or undefined; `npm run setup` installs it. */
  installProblem(): string | undefined
  /** Credo 0.6 is ESM, loaded through tsx's hooks: it takes about twice as long to start. */
  readyTimeoutMs: number
  /** Why the line has no tenancy (one line), or undefined when its agent process serves tenants. */
  noTenancy?: string
  /** The record layout the line writes in its store, where the harness has schemas for it. */
  storageLayout?: StorageLayout
}

export const CREDO_VERSION_SPECS: Record<string, CredoVersionSpec> = {
  '0.6.3': {
    entry: CREDO_06_ENTRY,
    installProblem: credo06InstallProblem,
    readyTimeoutMs: 60_000,
    noTenancy: 'no @credo-ts/tenants is published for the 0.6 line (only 0.5.11, 0.7.0 and 0.7.1)',
    storageLayout: 'credo-0.6',
  },
  '0.5.19': {
    entry: path.join(import.meta.dirname, 'agentProcess.ts'),
    installProblem: () => undefined,
    storageLayout: 'credo-0.5',
    // Ready in 1-5 s alone; the bound is for a busy machine (other agents starting beside it).
    readyTimeoutMs: 60_000,
  },
}

export const CREDO_VERSIONS = Object.keys(CREDO_VERSION_SPECS)

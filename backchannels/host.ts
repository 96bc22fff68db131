import type { AgentRef } from '../contract/agentId.js'
import type { AgentDescription } from '../contract/summary.js'
import type { Driver } from './capabilities.js'

/** What the runner hands every host at start: the run's directory now, a ledger or tails server later. */
export interface RunResources {
  runDir: string
}

/**
 * Owns one running agent (a process, a child, or the reference agent in this process): starts and
 * stops it and gives drivers onto it. Configuration an agent needs for a suite is the host's, never
 * the steps'.
 */
export interface AgentHost {
  readonly ref: AgentRef
  /** Unique in the run, e.g. `acapy-1.7.0-1`. */
  readonly instance: string
  start(resources: RunResources): Promise<void>
  stop(): Promise<void>
  /** The agent as it reported itself once started (its own version where it says). */
  describe(): AgentDescription
  /** The last lines of the agent's own log, for failure evidence (never containing secrets). */
  logTail(lines?: number): Promise<string>
  driver(): Driver
}

import type { AgentDescription } from '../backchannels/backchannel.js'

export type ScenarioStatus = 'passed' | 'failed' | 'skipped'

export interface ScenarioResult {
  feature: string
  name: string
  tags: string[]
  roles: Record<string, string>
  status: ScenarioStatus
  durationMs: number
  error?: string
  /** Path (relative to the report directory) of the decrypted trace and log tails of a failure. */
  evidence?: string
  /** Set when the failure is a known deviation listed in the run's expectations file. */
  expected?: { agent: string; reference: string }
}

/** The run contract CI pipelines read; fields are only ever added. */
export interface Summary {
  harness: { name: string; version: string }
  startedAt: string
  durationMs: number
  tags: string | null
  totals: { passed: number; failed: number; skipped: number }
  /** With --expectations: failures that were expected, and expectations that unexpectedly passed. */
  expectations?: {
    file: string
    expectedFailures: number
    unexpectedPasses: Array<{ agent: string; expectation: string; scenario: string }>
  }
  agents: AgentDescription[]
  scenarios: ScenarioResult[]
}

export function totalsOf(scenarios: ScenarioResult[]): Summary['totals'] {
  const totals = { passed: 0, failed: 0, skipped: 0 }
  for (const s of scenarios) totals[s.status]++
  return totals
}

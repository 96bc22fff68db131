import type { AgentDescription } from '../backchannels/backchannel.js'
import { isWarning, type StatementVerdicts } from './statements.js'

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
  expected?: { agent: string; reference: string; reason?: string }
}

/** The run contract CI pipelines read; fields are only ever added. */
export interface Warning {
  scenario: string
  roles: Record<string, string>
  statements: string[]
  error?: string
}

export interface Summary {
  harness: { name: string; version: string }
  startedAt: string
  durationMs: number
  tags: string | null
  /** Set when the run was stopped by a signal; the scenarios listed are those that finished before. */
  interrupted?: boolean
  /** `failed` counts failures of MUST checks; a failed @should scenario counts as a warning instead. */
  totals: { passed: number; failed: number; skipped: number; warnings: number }
  warnings: Warning[]
  statements: StatementVerdicts[]
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
  const totals = { passed: 0, failed: 0, skipped: 0, warnings: 0 }
  for (const s of scenarios) {
    if (isWarning(s)) totals.warnings++
    else totals[s.status]++
  }
  return totals
}

export function warningsOf(scenarios: ScenarioResult[]): Warning[] {
  return scenarios.filter(isWarning).map((s) => ({
    scenario: s.name,
    roles: s.roles,
    statements: s.tags.filter((t) => /^@\d{4}-\d+$/.test(t)).map((t) => t.slice(1)),
    ...(s.error ? { error: s.error } : {}),
  }))
}

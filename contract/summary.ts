/**
 * summary.json, the run contract CI pipelines read (schemas/summary.schema.json); fields are only
 * ever added. Agents are named by agent id (`acapy@1.7.0`) everywhere in it.
 */

/** `untested`: the scenario could not run with the agents assigned (a capability is missing). */
export type ScenarioStatus = 'passed' | 'failed' | 'skipped' | 'untested'

export interface ScenarioResult {
  feature: string
  name: string
  tags: string[]
  /** Role → agent id. */
  roles: Record<string, string>
  status: ScenarioStatus
  durationMs: number
  error?: string
  /** Why an `untested` scenario did not run. */
  reason?: string
  /** Path (relative to the report directory) of the decrypted trace and log tails of a failure. */
  evidence?: string
  /** Set when the failure is a known deviation listed in the run's expectations file. */
  expected?: { agent: string; reference: string; reason?: string }
  /** Set when an agent died or hung: the failure is the agent's state, never a verdict on a statement. */
  failure?: AgentFailure
}

/** An agent that is gone: it exited, or stopped answering within the bound. */
export interface AgentFailure {
  kind: 'agent-exited' | 'agent-unresponsive'
  /** The instance (`acapy-1.7.0-1`). */
  agent: string
  /** `exited with signal SIGKILL`, `stopped answering (no answer to … within 10000 ms)`. */
  detail: string
}

export const describeAgentFailure = (f: AgentFailure): string => `agent ${f.agent} ${f.detail}`

export interface Warning {
  scenario: string
  roles: Record<string, string>
  statements: string[]
  error?: string
}

/** An agent of the run: its id and what it reported about itself. */
export interface AgentDescription {
  id: string
  family: string
  version: string
  variant?: string
}

/** One normative statement of an RFC, as catalogued in features/statements/*.json. */
export interface Statement {
  id: string
  level: 'MUST' | 'SHOULD'
  /** The role the agent under test plays for this statement. */
  role: string
  section: string
  text: string
  check: string
  /** Where the statement comes from, when no RFC is its source. */
  source?: string
  /** What the harness decided where its source is silent, and checks as stated here. */
  decision?: string
}

export type VerdictStatus = 'passed' | 'failed' | 'warning' | 'untested'

export interface StatementVerdicts {
  id: string
  level: Statement['level']
  role: string
  check: string
  /** Where the statement comes from, when no RFC is its source (e.g. a protocol as one agent defines it). */
  source?: string
  verdicts: Array<{ agent: string; role: string; status: VerdictStatus; scenarios: string[]; expected?: boolean }>
}

export interface FlakyScenario {
  feature: string
  name: string
  roles: Record<string, string>
  /** The status in each repetition, in order. */
  statuses: ScenarioStatus[]
}

export interface UnexpectedPass {
  agent: string
  expectation: string
  scenario: string
}

export interface Summary {
  harness: { name: string; version: string }
  startedAt: string
  durationMs: number
  tags: string | null
  /** A run of one shard of the assignments (`run --shard index/total`). */
  shard?: { index: number; total: number }
  /** With `run --repeat N`: the scenarios whose verdict was not the same in every repetition. */
  flaky?: FlakyScenario[]
  /** Set when the run was stopped by a signal; the scenarios listed are those that finished before. */
  interrupted?: boolean
  /** `failed` counts failures of MUST checks; a failed @should scenario counts as a warning instead. */
  totals: { passed: number; failed: number; skipped: number; untested: number; warnings: number }
  warnings: Warning[]
  statements: StatementVerdicts[]
  /** With --expectations: failures that were expected, and expectations that unexpectedly passed. */
  expectations?: { file: string; expectedFailures: number; unexpectedPasses: UnexpectedPass[] }
  agents: AgentDescription[]
  scenarios: ScenarioResult[]
}

/** Scenarios tagged @should check a SHOULD statement: failing one is a warning, not a failure. */
export function isWarning(s: ScenarioResult): boolean {
  return s.status === 'failed' && s.tags.includes('@should')
}

export function totalsOf(scenarios: ScenarioResult[]): Summary['totals'] {
  const totals = { passed: 0, failed: 0, skipped: 0, untested: 0, warnings: 0 }
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

/** A scenario is the same across runs and shards when its feature, name and role assignment are. */
export function scenarioKey(s: Pick<ScenarioResult, 'feature' | 'name' | 'roles'>): string {
  return JSON.stringify([s.feature, s.name, Object.entries(s.roles).sort(([a], [b]) => a.localeCompare(b))])
}

/**
 * Whether a run (or merged runs) passed: no failure that is neither expected nor (without `strict`) a
 * SHOULD warning, no expected failure that passed, no flaky scenario, and at least one scenario that ran.
 */
export function runPassed(summary: Summary, strict = false): boolean {
  const ran = summary.totals.passed + summary.totals.failed
  const unexpectedFailure = summary.scenarios.some(
    (s) => s.status === 'failed' && !s.expected && (strict || !isWarning(s)),
  )
  const unexpectedPass = (summary.expectations?.unexpectedPasses.length ?? 0) > 0
  const flaky = (summary.flaky?.length ?? 0) > 0
  return !unexpectedFailure && !unexpectedPass && !flaky && ran > 0
}

/** The scenarios whose status differs between the repetitions of one selection (`run --repeat`). */
export function flakyScenarios(repetitions: Summary[]): FlakyScenario[] {
  const seen = new Map<string, FlakyScenario>()
  repetitions.forEach((summary, i) => {
    for (const s of summary.scenarios) {
      const key = scenarioKey(s)
      const entry = seen.get(key) ?? { feature: s.feature, name: s.name, roles: s.roles, statuses: [] }
      // A scenario missing from a repetition (cut short) counts as not run there.
      while (entry.statuses.length < i) entry.statuses.push('skipped')
      entry.statuses.push(s.status)
      seen.set(key, entry)
    }
  })
  for (const entry of seen.values()) while (entry.statuses.length < repetitions.length) entry.statuses.push('skipped')
  return [...seen.values()].filter((f) => new Set(f.statuses).size > 1)
}

import { isReference } from '../contract/agentId.js'
import type { Summary } from '../contract/summary.js'
import { OUTCOMES, outcomeOf, type Outcome } from './scenarios.js'

export type Counts = Record<Outcome, number> & {
  /** Failures listed as known deviations in the run's expectations file. */
  expected: number
}

export interface MatrixCell {
  feature: string
  agent: string
  role: string
  counts: Counts
  /** Indices into summary.scenarios. */
  scenarios: number[]
}

export interface InteropMatrix {
  /** Each feature (protocol area) with its roles, in the order the run met them. */
  features: Array<{ feature: string; roles: string[] }>
  agents: string[]
  cells: MatrixCell[]
}

export function emptyCounts(): Counts {
  return { passed: 0, failed: 0, warning: 0, skipped: 0, untested: 0, expected: 0 }
}

/**
 * Agents × roles × features: a scenario counts in the cell of every agent under test that plays a
 * role in it, so an agent paired with itself counts once in each of its roles. The reference agent
 * counts only where it plays every role: beside an agent under test it is the instrument, and the
 * verdict is that agent's.
 */
export function interopMatrix(summary: Summary): InteropMatrix {
  const features = new Map<string, string[]>()
  const agents = summary.agents.map((a) => a.id)
  const cells = new Map<string, MatrixCell>()
  summary.scenarios.forEach((s, index) => {
    const roles = features.get(s.feature) ?? []
    features.set(s.feature, roles)
    const underTest = Object.values(s.roles).some((a) => !isReference(a))
    for (const [role, agent] of Object.entries(s.roles)) {
      if (!roles.includes(role)) roles.push(role)
      if (underTest && isReference(agent)) continue
      if (!agents.includes(agent)) agents.push(agent)
      const key = cellKey(s.feature, agent, role)
      const cell = cells.get(key) ?? { feature: s.feature, agent, role, counts: emptyCounts(), scenarios: [] }
      cells.set(key, cell)
      add(cell.counts, outcomeOf(s), Boolean(s.expected))
      cell.scenarios.push(index)
    }
  })
  return {
    features: [...features].map(([feature, roles]) => ({ feature, roles })),
    agents,
    cells: [...cells.values()],
  }
}

export function matrixCell(m: InteropMatrix, feature: string, agent: string, role: string): MatrixCell | undefined {
  return m.cells.find((c) => c.feature === feature && c.agent === agent && c.role === role)
}

/** Per agent and role across all features: the table printed at the end of a run. */
export function roleTotals(summary: Summary): Array<{ agent: string; role: string; counts: Counts }> {
  const m = interopMatrix(summary)
  const roles = [...new Set(m.features.flatMap((f) => f.roles))]
  return m.agents.flatMap((agent) =>
    roles.flatMap((role) => {
      const cells = m.cells.filter((c) => c.agent === agent && c.role === role)
      if (cells.length === 0) return []
      const counts = emptyCounts()
      for (const c of cells) for (const k of [...OUTCOMES, 'expected'] as const) counts[k] += c.counts[k]
      return [{ agent, role, counts }]
    }),
  )
}

function add(counts: Counts, outcome: Outcome, expected: boolean): void {
  counts[outcome]++
  if (expected && outcome === 'failed') counts.expected++
}

function cellKey(feature: string, agent: string, role: string): string {
  return JSON.stringify([feature, agent, role])
}

export interface AssignmentRow {
  feature: string
  /** Role → agent, in the order the feature declares its roles. */
  roles: Record<string, string>
  counts: Counts
  scenarios: number[]
}

/** Per feature, each assignment of agents to its roles that ran: who interoperated with whom. */
export function assignmentRows(summary: Summary): AssignmentRow[] {
  const rows = new Map<string, AssignmentRow>()
  summary.scenarios.forEach((s, index) => {
    const key = JSON.stringify([s.feature, Object.entries(s.roles)])
    const row = rows.get(key) ?? { feature: s.feature, roles: s.roles, counts: emptyCounts(), scenarios: [] }
    rows.set(key, row)
    add(row.counts, outcomeOf(s), Boolean(s.expected))
    row.scenarios.push(index)
  })
  return [...rows.values()]
}

import { scenarioKey, type ScenarioResult, type ScenarioStatus, type Summary } from '../contract/summary.js'
import { errorMessage, rolesText } from './scenarios.js'

export interface ScenarioChange {
  feature: string
  name: string
  roles: Record<string, string>
  /** Status in the first run; absent for a new scenario. */
  before?: ScenarioStatus
  /** Status in the second run; absent for a removed scenario. */
  after?: ScenarioStatus
  /** The second run's error, for a regression. */
  error?: string
}

export interface Comparison {
  /** passed → failed */
  regressions: ScenarioChange[]
  /** failed → passed */
  fixes: ScenarioChange[]
  /** Any other change of status (to or from skipped). */
  changed: ScenarioChange[]
  added: ScenarioChange[]
  removed: ScenarioChange[]
  unchanged: number
}

/** A scenario is the same across runs when its feature, name and role assignment are. */
function identities(summary: Summary): Map<string, ScenarioResult> {
  const byKey = new Map<string, ScenarioResult>()
  for (const s of summary.scenarios) {
    const key = scenarioKey(s)
    // Should two scenarios share all three, the later one is told apart by its position among them.
    let unique = key
    for (let n = 2; byKey.has(unique); n++) unique = `${key}#${n}`
    byKey.set(unique, s)
  }
  return byKey
}

export function compareRuns(a: Summary, b: Summary): Comparison {
  const before = identities(a)
  const after = identities(b)
  const result: Comparison = { regressions: [], fixes: [], changed: [], added: [], removed: [], unchanged: 0 }
  const change = (s: ScenarioResult, from?: ScenarioResult, to?: ScenarioResult): ScenarioChange => ({
    feature: s.feature,
    name: s.name,
    roles: s.roles,
    ...(from ? { before: from.status } : {}),
    ...(to ? { after: to.status } : {}),
    ...(to?.status === 'failed' && to.error ? { error: errorMessage(to.error) } : {}),
  })
  for (const [key, x] of before) {
    const y = after.get(key)
    if (!y) result.removed.push(change(x, x))
    else if (x.status === y.status) result.unchanged++
    else if (x.status === 'passed' && y.status === 'failed') result.regressions.push(change(y, x, y))
    else if (x.status === 'failed' && y.status === 'passed') result.fixes.push(change(y, x, y))
    else result.changed.push(change(y, x, y))
  }
  for (const [key, y] of after) if (!before.has(key)) result.added.push(change(y, undefined, y))
  return result
}

export function formatComparison(c: Comparison, a: string, b: string): string {
  const lines = [`comparing ${a} → ${b}`]
  const section = (title: string, mark: string, list: ScenarioChange[]) => {
    lines.push(`${title}: ${list.length}`)
    for (const s of list) {
      const status =
        s.before && s.after ? ` (${s.before} → ${s.after})` : s.after ? ` (${s.after})` : ` (was ${s.before})`
      lines.push(`  ${mark} ${s.feature} › ${s.name}  [${rolesText(s.roles)}]${status}`)
      if (s.error) lines.push(`      ${s.error.split('\n')[0]}`)
    }
  }
  section('regressions (passed → failed)', '✘', c.regressions)
  section('fixes (failed → passed)', '✔', c.fixes)
  if (c.changed.length) section('other changes', '~', c.changed)
  section('new scenarios', '+', c.added)
  section('removed scenarios', '-', c.removed)
  lines.push(`unchanged: ${c.unchanged}`)
  return lines.join('\n')
}

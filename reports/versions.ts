import semver from 'semver'
import { parseAgentId } from '../contract/agentId.js'
import type { StatementVerdicts, Summary, VerdictStatus } from '../contract/summary.js'

/** A statement whose verdict differs between two versions of one agent family in the same run. */
export interface VerdictChange {
  statement: string
  level: StatementVerdicts['level']
  role: string
  check: string
  before: VerdictStatus
  after: VerdictStatus
}

export interface VersionComparison {
  /** The older agent id and the newer one, as the run named them. */
  from: string
  to: string
  changes: VerdictChange[]
  /** Statements both versions have a verdict for, changed or not. */
  compared: number
}

/**
 * For every family with more than one version in the run, each pair of its versions side by side:
 * which statements changed verdict from the older to the newer (an `untested` on either side is no
 * change, only a gap in the selection).
 */
export function versionComparisons(summary: Summary): VersionComparison[] {
  const byFamily = new Map<string, string[]>()
  for (const a of summary.agents) byFamily.set(a.family, [...(byFamily.get(a.family) ?? []), a.id])
  return [...byFamily.values()].flatMap((ids) =>
    ids.flatMap((from, i) => ids.slice(i + 1).map((to) => compareVersions(summary, ...ordered(from, to)))),
  )
}

export function compareVersions(summary: Summary, from: string, to: string): VersionComparison {
  const changes: VerdictChange[] = []
  let compared = 0
  for (const st of summary.statements) {
    const before = st.verdicts.find((v) => v.agent === from)?.status
    const after = st.verdicts.find((v) => v.agent === to)?.status
    if (!before || !after || before === 'untested' || after === 'untested') continue
    compared++
    if (before !== after)
      changes.push({ statement: st.id, level: st.level, role: st.role, check: st.check, before, after })
  }
  return { from, to, changes, compared }
}

/** Older version first. */
function ordered(a: string, b: string): [string, string] {
  const version = (id: string) => semver.coerce(parseAgentId(id).version) ?? '0.0.0'
  return semver.compare(version(a), version(b)) <= 0 ? [a, b] : [b, a]
}

export function formatVersionComparison(c: VersionComparison): string {
  const lines = [`${c.from} → ${c.to}: ${c.changes.length} of ${c.compared} statements changed verdict`]
  for (const ch of c.changes) {
    lines.push(`  ${ch.statement} (${ch.level}, ${ch.role}): ${ch.before} → ${ch.after}  ${ch.check}`)
  }
  return lines.join('\n')
}

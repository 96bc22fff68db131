import { isWarning, type ScenarioResult, type Summary, type VerdictStatus } from '../contract/summary.js'

/** One column of the tenancy section: a multitenant agent in one tenancy mode. */
export interface TenancyColumn {
  agent: string
  mode: string
}

export interface TenancyRow {
  statement: string
  level: string
  check: string
  /** One verdict per column, in the columns' order. */
  verdicts: Array<{ status: VerdictStatus; expected: boolean }>
}

const MODE_TAG = /^@mode:(.+)$/

function modeOf(s: ScenarioResult): string | undefined {
  return s.tags.map((t) => MODE_TAG.exec(t)?.[1]).find((m) => m !== undefined)
}

/**
 * The multitenancy statements per agent id and tenancy mode (the `@mode:` tag of each scenario): the
 * verdict per statement that summary.statements gives per agent, split by the way tenants are kept.
 */
export function tenancyVerdicts(summary: Summary): { columns: TenancyColumn[]; rows: TenancyRow[] } {
  const ran = summary.scenarios.filter(
    (s) => s.tags.includes('@multitenancy') && s.status !== 'untested' && s.status !== 'skipped',
  )
  const columns: TenancyColumn[] = []
  for (const s of ran) {
    const column = { agent: s.roles.agency as string, mode: modeOf(s) ?? 'unknown' }
    if (!columns.some((c) => c.agent === column.agent && c.mode === column.mode)) columns.push(column)
  }
  const rows = summary.statements
    .filter((st) => ran.some((s) => s.tags.includes(`@${st.id}`)))
    .map((st) => ({
      statement: st.id,
      level: st.level,
      check: st.check,
      verdicts: columns.map((c) => {
        const mine = ran.filter(
          (s) => s.tags.includes(`@${st.id}`) && s.roles[st.role] === c.agent && modeOf(s) === c.mode,
        )
        const failed = mine.filter((s) => s.status === 'failed')
        const status: VerdictStatus =
          mine.length === 0
            ? 'untested'
            : failed.length === 0
              ? 'passed'
              : failed.every(isWarning)
                ? 'warning'
                : 'failed'
        return { status, expected: failed.length > 0 && failed.every((s) => s.expected) }
      }),
    }))
  return { columns, rows }
}

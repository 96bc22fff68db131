import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { FEATURES_DIR } from './features.js'
import type { ScenarioResult, Statement, StatementVerdicts, VerdictStatus } from '../contract/summary.js'

export function loadStatements(dir = path.join(FEATURES_DIR, 'statements')): Statement[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { statements: Statement[] }).statements)
}

/**
 * The verdict per statement for each agent in the statement's role: failed if any scenario tagged
 * with it failed there (warning for a SHOULD), passed if all that ran passed, untested if none ran.
 */
export function statementVerdicts(
  statements: Statement[],
  scenarios: ScenarioResult[],
  agents: string[],
): StatementVerdicts[] {
  return statements.map((st) => ({
    id: st.id,
    level: st.level,
    role: st.role,
    check: st.check,
    ...(st.source ? { source: st.source } : {}),
    verdicts: agents.map((agent) => {
      const ran = scenarios.filter((s) => s.tags.includes(`@${st.id}`) && s.roles[st.role] === agent)
      const failed = ran.filter((s) => s.status === 'failed')
      const status: VerdictStatus =
        ran.length === 0 || ran.every((s) => s.status === 'skipped' || s.status === 'untested')
          ? 'untested'
          : failed.length === 0
            ? 'passed'
            : st.level === 'SHOULD'
              ? 'warning'
              : 'failed'
      const expected = failed.length > 0 && failed.every((s) => s.expected)
      return { agent, role: st.role, status, scenarios: ran.map((s) => s.name), ...(expected ? { expected } : {}) }
    }),
  }))
}

/** The statement table as Markdown: statement → level → verdict per agent in its role. */
export function statementTable(verdicts: StatementVerdicts[], agents: string[]): string {
  const used = verdicts.filter((v) => v.verdicts.some((x) => x.status !== 'untested'))
  if (used.length === 0) return '# Statements\n\nNo catalogued statement was exercised in this run.\n'
  const header = `| statement | level | role | check | ${agents.join(' | ')} |`
  const rule = `| --- | --- | --- | --- | ${agents.map(() => '---').join(' | ')} |`
  const rows = used.map((v) => {
    const cells = agents.map((a) => {
      const x = v.verdicts.find((y) => y.agent === a)
      return x ? `${x.status}${x.expected ? ' (expected)' : ''}` : ''
    })
    return `| ${v.id} | ${v.level} | ${v.role} | ${v.check.replace(/\|/g, '\\|')} | ${cells.join(' | ')} |`
  })
  return ['# Statements', '', header, rule, ...rows, ''].join('\n')
}

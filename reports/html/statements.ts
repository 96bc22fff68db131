import type { Element } from 'hast'
import { h } from 'hastscript'
import type { StatementVerdicts } from '../../contract/summary.js'
import type { Summary } from '../../contract/summary.js'
import { failureAnchor } from './common.js'

/** summary.statements as a table: each exercised statement, its level, and the verdict per agent in its role. */
export function statementsSection(summary: Summary): Element[] {
  const agents = [...new Set(summary.statements.flatMap((st) => st.verdicts.map((v) => v.agent)))]
  const used = summary.statements.filter((st) => st.verdicts.some((v) => v.status !== 'untested'))
  if (used.length === 0) return [h('p.note', 'No catalogued statement was exercised in this run.')]
  const untested = summary.statements.length - used.length
  return [
    h('table.statements', [
      h('thead', h('tr', [...statementHeads(), agents.map((a) => h('th', a))])),
      h(
        'tbody',
        used.map((st) =>
          h('tr', { dataStatement: st.id }, [
            ...statementCells(st),
            agents.map((agent) => verdictCell(summary, st, agent)),
          ]),
        ),
      ),
    ]),
    untested ? h('p.note', `${untested} catalogued statements were not exercised by this selection.`) : null,
  ].filter((e): e is Element => e !== null)
}

function verdictCell(summary: Summary, st: StatementVerdicts, agent: string): Element {
  const v = st.verdicts.find((x) => x.agent === agent)
  if (!v) return h('td.verdict.untested', '—')
  const text = `${v.status}${v.expected ? ' (expected)' : ''}`
  const failed = summary.scenarios.findIndex(
    (s) => s.status === 'failed' && s.roles[st.role] === agent && s.tags.includes(`@${st.id}`),
  )
  return h(
    `td.verdict.${v.status}`,
    { title: v.scenarios.join('\n') || 'no scenario ran' },
    failed >= 0 ? h('a', { href: `#${failureAnchor(failed)}` }, text) : text,
  )
}

/** The columns that name a statement, before the verdict columns. */
export function statementHeads(): Element[] {
  return ['statement', 'level', 'role', 'check'].map((c) => h('th', c))
}

export function statementCells(st: Pick<StatementVerdicts, 'id' | 'level' | 'role' | 'check'>): Element[] {
  return [h('th', st.id), h(`td.level.${st.level.toLowerCase()}`, st.level), h('td', st.role), h('td.check', st.check)]
}

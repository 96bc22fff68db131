import type { Element } from 'hast'
import { h } from 'hastscript'
import type { Summary } from '../../contract/summary.js'
import { tenancyVerdicts } from '../tenancy.js'

/** The multitenancy statements with a verdict per agent id and tenancy mode. */
export function tenancySection(summary: Summary): Element[] {
  const { columns, rows } = tenancyVerdicts(summary)
  if (rows.length === 0) return [h('p.note', 'No multitenancy scenario ran in this selection.')]
  return [
    h('table.statements', [
      h(
        'thead',
        h('tr', [
          h('th', 'statement'),
          h('th', 'level'),
          h('th', 'check'),
          ...columns.map((c) => h('th', [c.agent, h('br'), c.mode])),
        ]),
      ),
      h(
        'tbody',
        rows.map((r) =>
          h('tr', { dataStatement: r.statement }, [
            h('td', r.statement),
            h('td', r.level),
            h('td', r.check),
            ...r.verdicts.map((v) => h(`td.verdict.${v.status}`, `${v.status}${v.expected ? ' (expected)' : ''}`)),
          ]),
        ),
      ),
    ]),
  ]
}

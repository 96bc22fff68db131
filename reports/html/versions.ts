import type { Element } from 'hast'
import { h } from 'hastscript'
import type { Summary } from '../../contract/summary.js'
import { versionComparisons } from '../versions.js'
import { statementCells, statementHeads } from './statements.js'

/** For each agent family that ran in two versions: the statements whose verdict changed between them. */
export function versionsSection(summary: Summary): Element[] {
  const comparisons = versionComparisons(summary)
  if (comparisons.length === 0) return [h('p.note', 'No agent family ran in more than one version.')]
  return comparisons.flatMap((c) => [
    h('h3', `${c.from} → ${c.to}`),
    c.changes.length === 0
      ? h('p.note', `The ${c.compared} statements both versions were checked against have the same verdict.`)
      : h('table.statements', [
          h('thead', h('tr', [...statementHeads(), h('th', c.from), h('th', c.to)])),
          h(
            'tbody',
            c.changes.map((ch) =>
              h('tr', { dataStatement: ch.statement }, [
                ...statementCells({ ...ch, id: ch.statement }),
                h(`td.verdict.${ch.before}`, ch.before),
                h(`td.verdict.${ch.after}`, ch.after),
              ]),
            ),
          ),
        ]),
  ])
}

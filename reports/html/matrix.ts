import type { Element } from 'hast'
import { h } from 'hastscript'
import type { Summary } from '../../contract/summary.js'
import {
  assignmentRows,
  interopMatrix,
  matrixCell,
  type Counts,
  type InteropMatrix,
  type MatrixCell,
} from '../matrix.js'
import { outcomeOf, rolesText, scenarioAnchor, type Outcome } from '../scenarios.js'
import { failureAnchor, MARK } from './common.js'

/**
 * The interop matrix: a row per agent, a column per role of each feature; each cell counts the
 * scenarios the agent played that role in and links to the list of them.
 */
export function matrixSection(summary: Summary): Element[] {
  const m = interopMatrix(summary)
  if (m.cells.length === 0) return [h('p.note', 'No scenario ran.')]
  const table = h('table.matrix', [
    h('thead', [
      h('tr', [
        h('th', { rowSpan: 2 }, 'agent'),
        m.features.map((f) => h('th.feature', { colSpan: f.roles.length }, f.feature)),
      ]),
      h(
        'tr',
        m.features.flatMap((f) => f.roles.map((role) => h('th.role', role))),
      ),
    ]),
    h(
      'tbody',
      m.agents.map((agent) =>
        h('tr', [
          h('th.agent', agent),
          m.features.flatMap((f) =>
            f.roles.map((role) => {
              const cell = matrixCell(m, f.feature, agent, role)
              return cell ? cellElement(cell, cellAnchor(m, cell)) : h('td.cell.none', '—')
            }),
          ),
        ]),
      ),
    ),
  ])
  const lists = m.cells.map((cell) =>
    scenarioList(summary, cell.scenarios, cellAnchor(m, cell), `${cell.agent} as ${cell.role} — ${cell.feature}`),
  )
  const rows = assignmentRows(summary)
  const pairings = h('table.pairings', [
    h('thead', h('tr', [h('th', 'feature'), h('th', 'roles'), h('th', 'scenarios')])),
    h(
      'tbody',
      rows.map((row, i) =>
        h('tr', [
          h('td.feature', row.feature),
          h('td', rolesText(row.roles)),
          counts(row.counts, `#pairing-${i + 1}`, { dataPairing: rolesText(row.roles) }),
        ]),
      ),
    ),
  ])
  const pairingLists = rows.map((row, i) =>
    scenarioList(summary, row.scenarios, `pairing-${i + 1}`, `${rolesText(row.roles)} — ${row.feature}`),
  )
  return [
    table,
    h('p.hint', 'A cell opens the list of its scenarios; a failed one opens its evidence.'),
    ...lists,
    h('h3', 'By role assignment'),
    pairings,
    ...pairingLists,
  ]
}

function scenarioList(summary: Summary, indices: number[], id: string, title: string): Element {
  return h('section.cell-list', { id }, [
    h('h3', title),
    h(
      'ul',
      indices.map((i) => {
        const s = summary.scenarios[i]
        if (!s) return null
        const outcome = outcomeOf(s)
        const href = s.status === 'failed' ? `#${failureAnchor(i)}` : `#${scenarioAnchor(i)}`
        return h(`li.${outcome}`, [
          `${MARK[outcome]} `,
          h('a', { href }, s.name),
          ' ',
          h('span.roles', `[${rolesText(s.roles)}]`),
          s.expected ? ' (expected)' : null,
        ])
      }),
    ),
  ])
}

function cellElement(cell: MatrixCell, anchor: string): Element {
  return counts(cell.counts, `#${anchor}`, { dataFeature: cell.feature, dataAgent: cell.agent, dataRole: cell.role })
}

/** A table cell of counts, coloured by the worst outcome and linking to the list of its scenarios. */
function counts(c: Counts, href: string, data: Record<string, string>): Element {
  const state =
    c.failed > c.expected
      ? 'failed'
      : c.failed > 0 || c.warning > 0
        ? 'warning'
        : c.passed > 0
          ? 'passed'
          : c.untested > 0
            ? 'untested'
            : 'skipped'
  const count = (outcome: Outcome, title: string) =>
    h(`span.count.${outcome}`, { title }, [`${MARK[outcome]} `, h('span.n', String(c[outcome]))])
  return h(`td.cell.${state}`, data, [
    h('a', { href }, [
      count('passed', 'passed'),
      count('failed', 'failed'),
      count('warning', 'warnings (failed SHOULD checks)'),
      c.skipped ? count('skipped', 'skipped') : null,
      c.untested ? count('untested', 'untested: a capability the agent lacks') : null,
      c.expected ? h('span.expected', `${c.expected} expected`) : null,
    ]),
  ])
}

function cellAnchor(m: InteropMatrix, cell: MatrixCell): string {
  const f = m.features.findIndex((x) => x.feature === cell.feature)
  const roles = m.features[f]?.roles ?? []
  return `cell-${f + 1}-${m.agents.indexOf(cell.agent) + 1}-${roles.indexOf(cell.role) + 1}`
}

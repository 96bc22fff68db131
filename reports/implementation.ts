import { toHtml } from 'hast-util-to-html'
import { h } from 'hastscript'
import MarkdownIt from 'markdown-it'
import { markdownTable } from 'markdown-table'
import { isReference } from '../contract/agentId.js'
import type { ScenarioResult } from '../contract/summary.js'
import type { Evidence } from '../contract/evidence.js'
import { evidenceOf, isUnreadable, type RunData } from './load.js'
import { roleTotals } from './matrix.js'
import { errorMessage, outcomeOf, rolesText, shortType, statementIds } from './scenarios.js'
import { messageFlow } from './sequence.js'

/**
 * The agents an implementation report is written for: every agent but the reference agent, which
 * only counts as under test when it ran alone.
 */
export function agentsUnderTest(run: RunData): string[] {
  const names = run.summary.agents.map((a) => a.id)
  const others = names.filter((n) => !isReference(n))
  return others.length ? others : names
}

/**
 * What an implementer attaches to a conformance claim: the agent and harness versions, each
 * statement's verdict, every scenario the agent took part in, and for each deviation its evidence.
 */
export function implementationReport(run: RunData, agent: string): string {
  const { summary } = run
  const version = summary.agents.find((a) => a.id === agent)?.version ?? 'unknown'
  const played = summary.scenarios.filter((s) => Object.values(s.roles).includes(agent))
  const deviations = played.filter((s) => s.status === 'failed')
  const out: string[] = [`# Implementation report: ${agent}`, '']
  out.push(
    `- agent: ${agent}`,
    `- version: ${version}`,
    `- date: ${summary.startedAt.slice(0, 10)} (run started ${summary.startedAt})`,
    `- harness: ${summary.harness.name} ${summary.harness.version}`,
    `- selection: ${summary.tags ? code(summary.tags) : 'every feature'}`,
    `- known deviations: ${summary.expectations ? code(summary.expectations.file) : 'none given'}`,
    ...(summary.interrupted ? ['- interrupted: only the scenarios that finished are reported'] : []),
    '',
    '## Results per role',
    '',
  )
  const totals = roleTotals(summary).filter((r) => r.agent === agent)
  out.push(
    totals.length
      ? table(
          ['role', 'passed', 'failed', 'of them expected', 'warnings', 'skipped', 'untested'],
          totals.map(({ role, counts: c }) =>
            [role, c.passed, c.failed, c.expected, c.warning, c.skipped, c.untested].map(String),
          ),
        )
      : `${agent} took part in no scenario of this run.`,
    '',
    '## Statements',
    '',
  )
  const statements = summary.statements.flatMap((st) =>
    st.verdicts.filter((v) => v.agent === agent && v.status !== 'untested').map((v) => ({ st, v })),
  )
  out.push(
    statements.length
      ? table(
          ['statement', 'level', 'role', 'check', 'verdict'],
          statements.map(({ st, v }) => [
            st.id,
            st.level,
            st.role,
            st.check,
            `${v.status}${v.expected ? ' (expected)' : ''}`,
          ]),
        )
      : 'No catalogued statement was exercised for this agent.',
    '',
  )
  const untested = summary.statements.filter((st) =>
    st.verdicts.some((v) => v.agent === agent && v.status === 'untested'),
  )
  if (statements.length && untested.length) {
    out.push(`Not exercised in this run: ${untested.map((st) => st.id).join(', ')}.`, '')
  }
  // Where no RFC stands behind a statement, the claim is only as good as its source: say which.
  const sourced = statements.filter(({ st }) => st.source)
  if (sourced.length) {
    out.push(
      'No accepted RFC is the source of these statements; each is checked against the source named:',
      '',
      ...[...new Map(sourced.map(({ st }) => [st.id, st.source])).entries()].map(
        ([id, source]) => `- ${id}: ${source}`,
      ),
      '',
    )
  }
  out.push('## Scenarios', '')
  if (played.length === 0) out.push('None.', '')
  for (const feature of new Set(played.map((s) => s.feature))) {
    const rows = played.filter((s) => s.feature === feature)
    out.push(
      `### ${feature}`,
      '',
      table(
        ['scenario', 'roles', 'outcome'],
        rows.map((s) => [s.name, rolesText(s.roles), outcomeText(s)]),
      ),
      '',
    )
  }
  out.push('## Deviations', '')
  if (deviations.length === 0) out.push(`None: every scenario ${agent} took part in passed.`, '')
  deviations.forEach((s, n) => out.push(...deviation(run, s, n + 1, agent)))
  const unexpected = summary.expectations?.unexpectedPasses.filter((u) => u.agent === agent) ?? []
  if (unexpected.length) {
    out.push('## Known deviations that no longer occur', '')
    for (const u of unexpected) out.push(`- ${u.expectation}: “${u.scenario}” passed`)
    out.push('')
  }
  return out.join('\n')
}

function deviation(run: RunData, s: ScenarioResult, n: number, agent: string): string[] {
  const roles = Object.entries(s.roles)
    .filter(([, a]) => a === agent)
    .map(([r]) => r)
  const levels = statementIds(s).map((id) => {
    const st = run.summary.statements.find((x) => x.id === id)
    return st ? `${id} (${st.level})` : id
  })
  const out = [`### ${n}. ${s.name} — ${agent} as ${roles.join(' and ')}`, '']
  out.push(
    `- outcome: ${outcomeText(s)}`,
    `- feature: ${s.feature}`,
    `- roles: ${rolesText(s.roles)}`,
    `- statements: ${levels.join(', ') || 'none catalogued'}`,
  )
  if (s.expected) {
    out.push(`- known deviation: ${s.expected.reference}${s.expected.reason ? ` — ${s.expected.reason}` : ''}`)
  }
  if (s.evidence) out.push(`- evidence: ${code(s.evidence)}`)
  out.push('', 'Error:', '', fence(s.error ? errorMessage(s.error) : 'no error message was recorded', 'text'), '')
  const evidence = evidenceOf(run, s.evidence)
  if (!evidence || isUnreadable(evidence)) {
    out.push(evidence ? `The evidence file could not be read: ${evidence.unreadable}` : 'No evidence was filed.', '')
    return out
  }
  const mine = instancesOf(s, evidence, agent)
  out.push(...messages(evidence, mine))
  for (const [instance, log] of Object.entries(evidence.logs)) {
    if (!mine.has(instance)) continue
    out.push(`Log tail of ${instance}:`, '', fence(log || '(empty)', 'text'), '')
  }
  return out
}

/** The decrypted messages the agent under test sent or was sent in the scenario. */
function messages(evidence: Evidence, mine: Set<string>): string[] {
  const relevant = messageFlow(evidence).messages.filter((m) => mine.has(m.from) || mine.has(m.to))
  if (relevant.length === 0) return ['No message to or from this agent was observed.', '']
  const out = [
    'Messages, decrypted by the reference agent:',
    '',
    table(
      ['#', 'from → to', 'type', '@id', 'thid', 'pthid', 'envelope', 'checks'],
      relevant.map((m, i) => [
        String(i + 1),
        `${m.from} → ${m.to}`,
        code(shortType(m.type)),
        code(m.id),
        m.thid ? code(m.thid) : '',
        m.pthid ? code(m.pthid) : '',
        [m.envelope.alg, m.envelope.endpoint].filter(Boolean).join(' → '),
        [
          m.schema ? `schema ${m.schema.valid ? 'valid' : `✘ ${m.schema.errors.join('; ')}`}` : '',
          m.fault ? `fault ${m.fault}` : '',
          m.delivery ?? '',
        ]
          .filter(Boolean)
          .join('; '),
      ]),
    ),
    '',
  ]
  relevant.forEach((m, i) => {
    out.push(`Message ${i + 1} (${m.from} → ${m.to}):`, '', fence(JSON.stringify(m.message, null, 2), 'json'), '')
  })
  return out
}

/** The agent's instances in the scenario (`acapy-1`), by the roles they played. */
function instancesOf(s: ScenarioResult, evidence: Evidence, agent: string): Set<string> {
  const roles = Object.keys(s.roles).filter((role) => s.roles[role] === agent)
  return new Set(roles.flatMap((role) => evidence.roles[role] ?? []))
}

function outcomeText(s: ScenarioResult): string {
  return `${outcomeOf(s)}${s.expected ? ' (expected)' : ''}`
}

function table(header: string[], rows: string[][]): string {
  return markdownTable([header, ...rows].map((row) => row.map(cell)))
}

/** A table cell holds one line, and a pipe in it would end the cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
}

function code(text: string): string {
  const ticks = '`'.repeat(longestRun(text, '`') + 1)
  return text.startsWith('`') || text.endsWith('`') ? `${ticks} ${text} ${ticks}` : `${ticks}${text}${ticks}`
}

/** A fenced block whose fence is longer than any run of backticks in the text, so the text cannot close it. */
function fence(text: string, lang: string): string {
  const ticks = '`'.repeat(Math.max(3, longestRun(text, '`') + 1))
  return `${ticks}${lang}\n${text}\n${ticks}`
}

function longestRun(text: string, char: string): number {
  let longest = 0
  let run = 0
  for (const c of text) {
    run = c === char ? run + 1 : 0
    longest = Math.max(longest, run)
  }
  return longest
}

const DOC_CSS = `
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; font: 14px system-ui, sans-serif; color: #1f2328; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; }
th { background: #f6f8fa; text-align: left; } code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 10px; overflow: auto;
  max-height: 420px; white-space: pre-wrap; word-break: break-all; }
td code { word-break: break-all; } h3 { border-top: 1px solid #d0d7de; padding-top: 16px; }
`

/**
 * The same report as a page. Raw HTML in the Markdown is not let through (`html: false`), so
 * whatever a message or a log holds comes out as text.
 */
export function implementationReportHtml(markdown: string, agent: string): string {
  const md = new MarkdownIt({ html: false, linkify: true })
  const head = h('head', [
    h('meta', { charset: 'utf-8' }),
    h('title', `Implementation report: ${agent}`),
    h('style', DOC_CSS),
  ])
  return `<!doctype html><html lang="en">${toHtml(head)}<body>${md.render(markdown)}</body></html>`
}

import Table from 'cli-table3'
import { roleTotals } from '../reports/matrix.js'
import { isWarning, type ScenarioResult, type Summary } from '../contract/summary.js'

/**
 * Where the run reports as it goes: live lines for people, nothing extra with --quiet or --json.
 * The closing table goes to stderr unless --quiet, so stdout stays the summary JSON with --json.
 */
export interface Output {
  info(line: string): void
  scenario(line: string): void
  table(text: string): void
}

export function consoleOutput(mode: { quiet: boolean; json: boolean }): Output {
  const silent = mode.quiet || mode.json
  const print = (line: string) => (silent ? undefined : console.error(line))
  return { info: print, scenario: print, table: (text) => (mode.quiet ? undefined : console.error(text)) }
}

const MARK = { passed: '✔', failed: '✘', skipped: '-', untested: '○' } as const

export function formatScenarioLine(r: ScenarioResult): string {
  if (isWarning(r)) return formatLine({ ...r }, '⚠', 'warning')
  return formatLine(r, MARK[r.status], r.status)
}

function formatLine(r: ScenarioResult, mark: string, status: string): string {
  const roles = Object.entries(r.roles)
    .map(([role, agent]) => `${role}=${agent}`)
    .join(' ')
  const time = `${(r.durationMs / 1000).toFixed(2)}s`.padStart(7)
  const expected = r.expected ? ` (expected: ${r.expected.reference})` : ''
  const line = `${mark} ${status.padEnd(7)} ${time}  ${r.feature} › ${r.name}  [${roles}]${expected}`
  if (r.status === 'untested' && r.reason) return `${line}\n    ${r.reason}`
  return r.status === 'failed' && r.error ? `${line}\n    ${r.error.split('\n').slice(0, 3).join('\n    ')}` : line
}

export function formatTotals(s: Summary): string {
  const { passed, failed, skipped, untested, warnings } = s.totals
  const expected = s.expectations ? ` (${s.expectations.expectedFailures} of them expected)` : ''
  const time = `${(s.durationMs / 1000).toFixed(1)} s`
  const notRun = `${skipped} skipped${untested ? `, ${untested} untested` : ''}`
  const lines = [`${passed} passed, ${failed} failed${expected}, ${warnings} warnings, ${notRun} in ${time}`]
  for (const u of s.expectations?.unexpectedPasses ?? []) {
    lines.push(`unexpected pass: ${u.agent} was expected to fail ${u.expectation} but "${u.scenario}" passed`)
  }
  return lines.join('\n')
}

/** Passed, failed and warnings per agent and role, across the features of the run. */
export function formatRoleTable(s: Summary): string {
  const table = new Table({
    head: ['agent', 'role', 'passed', 'failed', 'warnings', 'skipped', 'untested'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
    // No rule between the rows: the table stays as short as the list of roles.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  })
  for (const { agent, role, counts: c } of roleTotals(s)) {
    const failed = c.expected ? `${c.failed} (${c.expected} expected)` : String(c.failed)
    table.push([agent, role, String(c.passed), failed, String(c.warning), String(c.skipped), String(c.untested)])
  }
  return table.toString()
}

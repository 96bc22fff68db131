import type { ScenarioResult, Summary } from './summary.js'

/** Where the run reports as it goes: live lines for people, nothing extra with --quiet or --json. */
export interface Output {
  info(line: string): void
  scenario(line: string): void
}

export function consoleOutput(mode: { quiet: boolean; json: boolean }): Output {
  const silent = mode.quiet || mode.json
  return {
    info: (line) => (silent ? undefined : console.error(line)),
    scenario: (line) => (mode.json ? undefined : console.error(line)),
  }
}

const MARK = { passed: '✔', failed: '✘', skipped: '-' } as const

export function formatScenarioLine(r: ScenarioResult): string {
  const roles = Object.entries(r.roles)
    .map(([role, agent]) => `${role}=${agent}`)
    .join(' ')
  const time = `${(r.durationMs / 1000).toFixed(2)}s`.padStart(7)
  const line = `${MARK[r.status]} ${r.status.padEnd(7)} ${time}  ${r.feature} › ${r.name}  [${roles}]`
  return r.status === 'failed' && r.error ? `${line}\n    ${r.error.split('\n').slice(0, 3).join('\n    ')}` : line
}

export function formatTotals(s: Summary): string {
  const { passed, failed, skipped } = s.totals
  return `${passed} passed, ${failed} failed, ${skipped} skipped in ${(s.durationMs / 1000).toFixed(1)} s`
}

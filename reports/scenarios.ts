import { isWarning, type ScenarioResult } from '../contract/summary.js'

/** How a scenario counts in the reports: a failed SHOULD check is a warning, not a failure. */
export type Outcome = 'passed' | 'failed' | 'warning' | 'skipped' | 'untested'

export const OUTCOMES: readonly Outcome[] = ['passed', 'failed', 'warning', 'skipped', 'untested']

export function outcomeOf(s: ScenarioResult): Outcome {
  return isWarning(s) ? 'warning' : s.status
}

/** `inviter=reference@0.1.0 invitee=acapy@1.7.0`, in the order the feature declares its roles. */
export function rolesText(roles: Record<string, string>): string {
  return Object.entries(roles)
    .map(([role, agent]) => `${role}=${agent}`)
    .join(' ')
}

/** The anchor of a scenario in report.html, by its position in summary.json. */
export function scenarioAnchor(index: number): string {
  return `scenario-${index + 1}`
}

/** The statement ids a scenario checks (its `@0794-07` tags). */
export function statementIds(s: ScenarioResult): string[] {
  return s.tags.filter((t) => /^@\d{4}-\d+$/.test(t)).map((t) => t.slice(1))
}

/** An error without its stack frames, which point into the harness rather than at the agent. */
export function errorMessage(error: string): string {
  return error
    .split('\n')
    .filter((line) => !/^\s+at /.test(line))
    .join('\n')
    .trim()
}

/** A DIDComm message type without its doc URI: `didexchange/1.1/request`. */
export function shortType(type: string): string {
  return type.replace(/^(https:\/\/didcomm\.org|did:sov:BzCbsNYhMrjHiqZDTUASHg;spec)\//, '')
}

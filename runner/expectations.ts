import { readFileSync } from 'node:fs'
import { isWarning } from './statements.js'
import type { ScenarioResult } from './summary.js'

/**
 * Known deviations of real agents, kept apart from the features so that no step is ever loosened
 * for an agent. Each entry names what fails (a statement id tag, or a scenario name), optionally the
 * role the agent plays, and a public reference for the deviation.
 */
export interface Expectation {
  /** A statement id as tagged on scenarios (e.g. `0794-03`), or … */
  statement?: string
  /** … a scenario name, for scenarios that check no catalogued statement. */
  scenario?: string
  role?: string
  /**
   * The agent in the other roles, `reference` unless given: a deviation shows against another real
   * agent only when that agent's own (RFC-conformant) behaviour triggers it.
   */
  peer?: string
  reference: string
  reason?: string
}

export type ExpectationsFile = Record<string, Expectation[]>

export class ExpectationsError extends Error {}

export function loadExpectations(file: string): ExpectationsFile {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ExpectationsError(`expectations file ${file}: ${(e as Error).message}`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ExpectationsError(`expectations file ${file}: expected an object of agent name → list of expectations`)
  }
  for (const [agent, list] of Object.entries(parsed)) {
    if (!Array.isArray(list)) throw new ExpectationsError(`expectations for ${agent} are not a list`)
    for (const e of list as Expectation[]) {
      if (!e.statement === !e.scenario) {
        throw new ExpectationsError(`an expectation for ${agent} must name exactly one of statement or scenario`)
      }
      if (!e.reference)
        throw new ExpectationsError(`expectation ${e.statement ?? e.scenario} for ${agent} has no public reference`)
    }
  }
  return parsed as ExpectationsFile
}

export interface ExpectationVerdict {
  /** Failures that match an expectation, marked on the scenario. */
  expectedFailures: number
  /** Expectations whose scenarios ran and passed: the deviation is gone, and the file must say so. */
  unexpectedPasses: Array<{ agent: string; expectation: string; scenario: string }>
}

function matches(e: Expectation, agent: string, s: ScenarioResult): boolean {
  // The agent's roles: the one the entry names, or every role it plays in the scenario.
  const roles = e.role ? [e.role] : Object.keys(s.roles).filter((r) => s.roles[r] === agent)
  if (roles.length === 0 || roles.some((r) => s.roles[r] !== agent)) return false
  // Every other role must be played by the named peer (the reference agent unless given).
  const peer = e.peer ?? 'reference'
  if (Object.entries(s.roles).some(([r, a]) => !roles.includes(r) && a !== peer)) return false
  return e.statement ? s.tags.includes(`@${e.statement}`) : s.name === e.scenario
}

/** Marks expected failures on the scenarios and lists the expectations that no longer hold. */
export function applyExpectations(scenarios: ScenarioResult[], file: ExpectationsFile): ExpectationVerdict {
  const verdict: ExpectationVerdict = { expectedFailures: 0, unexpectedPasses: [] }
  for (const [agent, list] of Object.entries(file)) {
    for (const e of list) {
      for (const s of scenarios.filter((x) => matches(e, agent, x))) {
        if (s.status === 'failed') {
          s.expected = { agent, reference: e.reference, ...(e.reason ? { reason: e.reason } : {}) }
        } else if (s.status === 'passed') {
          verdict.unexpectedPasses.push({ agent, expectation: e.statement ?? (e.scenario as string), scenario: s.name })
        }
      }
    }
  }
  verdict.expectedFailures = scenarios.filter((s) => s.status === 'failed' && s.expected && !isWarning(s)).length
  return verdict
}

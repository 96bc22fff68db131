import { readFileSync } from 'node:fs'
import semver from 'semver'
import { parseAgentId, REFERENCE_FAMILY } from '../contract/agentId.js'
import { isWarning, type ScenarioResult, type UnexpectedPass } from '../contract/summary.js'

/**
 * Known deviations of real agents, kept apart from the features so that no step is ever loosened
 * for an agent. Entries are listed per agent family; each names the versions it applies to (a semver
 * range), what fails (a statement id tag, or a scenario name), optionally the role the agent plays
 * and its peer, and a public reference for the deviation.
 */
export interface Expectation {
  /** The versions of the family the deviation is known in, as a semver range (`0.12.8`, `>=1.0.0 <1.8`). */
  versions: string
  /** Only for this variant of the agent (`tenant` for `acapy@1.7.0~tenant`); without it, for every variant. */
  variant?: string
  /** A statement id as tagged on scenarios (e.g. `0794-03`), or … */
  statement?: string
  /** … a scenario name, for scenarios that check no catalogued statement. */
  scenario?: string
  role?: string
  /**
   * The agent in the other roles, the reference agent unless given: a family (any version) or an
   * agent id. A deviation shows against another real agent only when that agent's own
   * (RFC-conformant) behaviour triggers it.
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
      const what = e.statement ?? e.scenario
      if (!e.reference) throw new ExpectationsError(`expectation ${what} for ${agent} has no public reference`)
      if (typeof e.versions !== 'string' || semver.validRange(e.versions) === null) {
        throw new ExpectationsError(`expectation ${what} for ${agent} names no valid semver range in "versions"`)
      }
    }
  }
  return parsed as ExpectationsFile
}

export interface ExpectationVerdict {
  /** Failures that match an expectation, marked on the scenario. */
  expectedFailures: number
  /** Expectations whose scenarios ran and passed: the deviation is gone, and the file must say so. */
  unexpectedPasses: UnexpectedPass[]
}

/** Whether an agent id is of the family, of a version in the range, and of the variant if one is named. */
function isOf(id: string, family: string, e: Pick<Expectation, 'versions' | 'variant'>): boolean {
  const parsed = parseAgentId(id)
  return (
    parsed.family === family &&
    semver.satisfies(parsed.version ?? '', e.versions) &&
    (e.variant === undefined || parsed.variant === e.variant)
  )
}

/** Whether an agent id is the peer an entry names: a family, or an agent id. */
function isPeer(id: string, peer: string): boolean {
  const named = parseAgentId(peer)
  return named.version ? id === peer : parseAgentId(id).family === named.family
}

/** The agent id in the scenario that the entry is about, if the scenario matches it. */
function matchingAgent(e: Expectation, family: string, s: ScenarioResult): string | undefined {
  const candidates = [...new Set(Object.values(s.roles))].filter((id) => isOf(id, family, e))
  return candidates.find((agent) => {
    // The agent's roles: the one the entry names, or every role it plays in the scenario.
    const roles = e.role ? [e.role] : Object.keys(s.roles).filter((r) => s.roles[r] === agent)
    if (roles.length === 0 || roles.some((r) => s.roles[r] !== agent)) return false
    // Every other role must be played by the named peer (the reference agent unless given).
    const peer = e.peer ?? REFERENCE_FAMILY
    if (Object.entries(s.roles).some(([r, a]) => !roles.includes(r) && !isPeer(a, peer))) return false
    return e.statement ? s.tags.includes(`@${e.statement}`) : s.name === e.scenario
  })
}

/** Marks expected failures on the scenarios and lists the expectations that no longer hold. */
export function applyExpectations(scenarios: ScenarioResult[], file: ExpectationsFile): ExpectationVerdict {
  const verdict: ExpectationVerdict = { expectedFailures: 0, unexpectedPasses: [] }
  for (const [family, list] of Object.entries(file)) {
    for (const e of list) {
      // A failure caused by a dead or hung agent says nothing about the statement: no entry excuses it.
      for (const s of scenarios.filter((x) => !x.failure)) {
        const agent = matchingAgent(e, family, s)
        if (!agent) continue
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

import type { AgentRef } from '../../contract/agentId.js'

/**
 * An agent behind an Aries Agent Test Harness backchannel is named on the command line as
 * `aath:<name>=<backchannel URL>` (e.g. `aath:acapy-main=http://127.0.0.1:9020`).
 *
 * Its agent id is `aath@<name>`: the family is `aath`, because the harness drives every such agent
 * the same way whatever it is, and the name takes the version's place, because it is what tells two
 * backchannels apart in a run and the only thing known before the backchannel is asked. The id stays
 * valid everywhere ids go (no `@`, `~`, `/` or spaces in the name: instance names, log files,
 * reports); what the backchannel says its agent's version is shows in the run's agent descriptions.
 * An expectations entry under `aath` matches a name only when the name is a version (`aath:1.3.0=…`).
 */
export const AATH_FAMILY = 'aath'

/** An agent ref of the `aath` family, with the backchannel that drives it. */
export interface AathRef extends AgentRef {
  family: typeof AATH_FAMILY
  /** The backchannel's base URL, without a trailing slash (`http://127.0.0.1:9020`). */
  backchannel: string
}

const EXAMPLE = 'aath:acapy-main=http://127.0.0.1:9020'
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Whether a command-line agent names the `aath` family (in the `aath:` form or, mistakenly, as an id). */
export function isAathAgent(text: string): boolean {
  const t = text.trim()
  return t === AATH_FAMILY || t.startsWith(`${AATH_FAMILY}:`) || t.startsWith(`${AATH_FAMILY}@`)
}

/** Reads `aath:<name>=<url>`; throws a one-line error that says what is wrong and what is expected. */
export function parseAathAgent(text: string): AathRef {
  const t = text.trim()
  if (!t.startsWith(`${AATH_FAMILY}:`)) {
    throw new Error(
      `"${t}": an agent behind an AATH backchannel is given as aath:<name>=<backchannel URL>, e.g. ${EXAMPLE}`,
    )
  }
  const spec = t.slice(AATH_FAMILY.length + 1)
  const eq = spec.indexOf('=')
  if (eq < 0) throw new Error(`"${t}" names no backchannel: write aath:<name>=<backchannel URL>, e.g. ${EXAMPLE}`)
  const name = spec.slice(0, eq)
  const url = spec.slice(eq + 1)
  if (!NAME.test(name)) {
    throw new Error(
      `"${t}": the name "${name}" must be letters, digits, ".", "_" or "-", starting with a letter or digit (it becomes the agent id aath@<name>)`,
    )
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`"${t}": "${url}" is not a URL; the backchannel is given as http://host:port, e.g. ${EXAMPLE}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`"${t}": the backchannel URL must be http or https, not ${parsed.protocol}`)
  }
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new Error(`"${t}": the backchannel URL takes no query, fragment or credentials`)
  }
  const backchannel = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`
  return { family: AATH_FAMILY, version: name, backchannel }
}

/** The backchannel of a ref resolved from `aath:<name>=<url>`. */
export function backchannelOf(ref: AgentRef): string {
  const url = (ref as Partial<AathRef>).backchannel
  if (typeof url !== 'string') {
    throw new Error(`${ref.family}@${ref.version} has no backchannel URL: give it as aath:${ref.version}=<URL>`)
  }
  return url
}

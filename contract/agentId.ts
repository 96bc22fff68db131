/**
 * One id per agent, from the command line to the last report: `family@version`, with an optional
 * `~variant` (e.g. `acapy@1.7.0~tenant`). A bare family on the command line means its newest version.
 */
export interface AgentRef {
  family: string
  version: string
  variant?: string
}

/** The variant whose driver is one tenant of a multitenant agent (`acapy@1.7.0~tenant`). */
export const TENANT_VARIANT = 'tenant'
/** The variant of ACA-Py on the `askar` wallet type, whatever its version's own (`acapy@1.7.0~askar`). */
export const ASKAR_WALLET_VARIANT = 'askar'

/** The family of the harness's own reference agent: the instrument beside every agent under test. */
export const REFERENCE_FAMILY = 'reference'

export const agentId = (r: AgentRef): string => `${r.family}@${r.version}${r.variant ? `~${r.variant}` : ''}`

/** Parses `family[@version][~variant]`; the version is absent when only the family was given. */
export function parseAgentId(text: string): { family: string; version?: string; variant?: string } {
  const m = /^([a-z][a-z0-9-]*)(?:@([^~@\s]+))?(?:~([a-z0-9-]+))?$/.exec(text.trim())
  if (!m) throw new Error(`"${text}" is not an agent id (family, family@version or family@version~variant)`)
  const [, family, version, variant] = m as unknown as [string, string, string | undefined, string | undefined]
  return { family, ...(version ? { version } : {}), ...(variant ? { variant } : {}) }
}

/** The family of an agent id (`acapy@1.7.0` → `acapy`). */
export const familyOf = (id: string): string => parseAgentId(id).family

/** Whether the agent id names the reference agent, which is the instrument rather than an agent under test. */
export const isReference = (id: string): boolean => familyOf(id) === REFERENCE_FAMILY

/**
 * The name of the n-th instance of an agent in a run (`acapy-1.7.0-1`), as logs, data directories and
 * evidence name it: no `@` or `~`, which URLs and store paths give a meaning of their own.
 */
export const instanceName = (id: string, n: number): string => `${id.replace(/[@~]/g, '-')}-${n}`
